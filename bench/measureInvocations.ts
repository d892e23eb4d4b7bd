import type { SandboxCredential } from '../sandbox/index.js';
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

/** The token path of one GRAPH_CREDENTIAL mode: cold first token, warm cost, and what 10,000 warm invocations ask for. */
export interface TokenPathFigure {
    readonly credential: SandboxCredential;
    readonly invocations: number;
    readonly failures: number;
    /** Counted by the sandbox, on the wire, in the last run (every run starts cold). */
    readonly keyVaultReads: number;
    readonly tokenRequests: number;
    readonly managedIdentityRequests: number;
    /** Credential read (or identity token) plus the Entra request, SDKs already loaded. */
    readonly coldFirstTokenMs: Summary;
    /** One warm `getToken()` of the token module, in microseconds. */
    readonly warmTokenP50Us: Summary;
    readonly warmTokenP99Us: Summary;
}

export type TokenPathResult = readonly TokenPathFigure[];

const CREDENTIALS: readonly SandboxCredential[] = ['keyVaultSecret', 'keyVaultCertificate', 'managedIdentity'];

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

/** For each credential mode: a cold process, its first token, `invocations` warm invocations and the warm token cost. */
export async function measureTokenPath(options: BenchOptions): Promise<TokenPathResult> {
    const figures: TokenPathFigure[] = [];
    for (const credential of CREDENTIALS) {
        const runs: TokenPathRun[] = [];
        let counts = { keyVaultReads: 0, tokenRequests: 0, managedIdentityRequests: 0, failures: 0 };
        for (let run = 0; run < options.runs; run += 1) {
            // A new sandbox per run: its user-assigned identity is new, so no process-wide cache carries over.
            await withSandbox(
                DIRECTORY,
                async (sandbox) => {
                    sandbox.counters.reset();
                    const result = await runChild<TokenPathRun>('tokenPathChild', [String(options.invocations)], childEnv(sandbox));
                    runs.push(result);
                    const { keyVaultSecretReads, tokenRequests, identityRequests } = sandbox.counters;
                    counts = {
                        keyVaultReads: keyVaultSecretReads,
                        tokenRequests,
                        managedIdentityRequests: identityRequests,
                        failures: result.failures,
                    };
                },
                credential,
            );
        }
        figures.push({
            credential,
            invocations: options.invocations,
            ...counts,
            coldFirstTokenMs: summarize(runs.map((r) => r.coldFirstTokenMs)),
            warmTokenP50Us: summarize(runs.map((r) => r.warmTokenP50Us)),
            warmTokenP99Us: summarize(runs.map((r) => r.warmTokenP99Us)),
        });
    }
    return figures;
}

interface TokenPathRun {
    readonly failures: number;
    readonly coldFirstTokenMs: number;
    readonly warmTokenP50Us: number;
    readonly warmTokenP99Us: number;
}
