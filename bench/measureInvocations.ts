import { childEnv, withSandbox } from './benchSandbox.js';
import type { BenchOptions } from './options.js';
import { runChild } from './runChild.js';
import { summarize, type Summary } from './summary.js';

interface LatencyRun {
    readonly handlerP50: number;
    readonly handlerP99: number;
    readonly directP50: number;
    readonly directP99: number;
}

export interface InvocationResult {
    readonly samplesPerRun: number;
    readonly handlerP50Ms: Summary;
    readonly handlerP99Ms: Summary;
    readonly directP50Ms: Summary;
    readonly directP99Ms: Summary;
    /** Handler percentile minus the direct call's, per run. */
    readonly overheadP50Ms: Summary;
    readonly overheadP99Ms: Summary;
}

export interface TokenPathResult {
    readonly invocations: number;
    readonly failures: number;
    /** Counted by the sandbox, on the wire. */
    readonly keyVaultReads: number;
    readonly tokenRequests: number;
    readonly managedIdentityRequests: number;
}

const DIRECTORY = 1000;

/** Warm invocation overhead: the handler against the bare Graph call for the same page. */
export async function measureInvocationOverhead(options: BenchOptions): Promise<InvocationResult> {
    return withSandbox(DIRECTORY, async (sandbox) => {
        const runs: LatencyRun[] = [];
        for (let run = 0; run < options.runs; run += 1) {
            runs.push(await runChild<LatencyRun>('invokeChild', [String(options.samples)], childEnv(sandbox)));
            sandbox.clearRequestLog();
        }
        return {
            samplesPerRun: options.samples,
            handlerP50Ms: summarize(runs.map((r) => r.handlerP50)),
            handlerP99Ms: summarize(runs.map((r) => r.handlerP99)),
            directP50Ms: summarize(runs.map((r) => r.directP50)),
            directP99Ms: summarize(runs.map((r) => r.directP99)),
            overheadP50Ms: summarize(runs.map((r) => r.handlerP50 - r.directP50)),
            overheadP99Ms: summarize(runs.map((r) => r.handlerP99 - r.directP99)),
        };
    });
}

/** Key Vault reads and token requests for a cold process plus `invocations` invocations. */
export async function measureTokenPath(options: BenchOptions): Promise<TokenPathResult> {
    return withSandbox(DIRECTORY, async (sandbox) => {
        sandbox.counters.reset();
        const { failures } = await runChild<{ failures: number }>('tokenPathChild', [String(options.invocations)], childEnv(sandbox));
        const { keyVaultSecretReads, tokenRequests, identityRequests } = sandbox.counters;
        return {
            invocations: options.invocations,
            failures,
            keyVaultReads: keyVaultSecretReads,
            tokenRequests,
            managedIdentityRequests: identityRequests,
        };
    });
}
