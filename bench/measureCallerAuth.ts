import { withSandbox, childEnv } from './benchSandbox.js';
import type { BenchOptions } from './options.js';
import { runChild } from './runChild.js';
import { summarize, type Summary } from './summary.js';

export interface CallerAuthResult {
    /** Validations from a cold process at concurrency 200, per run. */
    readonly validations: number;
    readonly failures: number;
    /** The most key-set fetches any run made (on the wire, counted by the sandbox). */
    readonly jwksFetches: number;
    /** One warm validation (signature, claims, role), timed alone. */
    readonly validationP50Ms: Summary;
    readonly validationP99Ms: Summary;
}

/** What checking a caller's Entra ID token costs once the keys are cached, and how often the keys are read. */
export async function measureCallerAuth(options: BenchOptions): Promise<CallerAuthResult> {
    return withSandbox(10, async (sandbox) => {
        const tokens = await Promise.all(
            (
                [
                    [2, 'application'],
                    [1, 'application'],
                    [2, 'user'],
                    [1, 'user'],
                ] as const
            ).map(([version, kind]) => sandbox.callerTokens.issue({ version, kind })),
        );
        const env = { ...childEnv(sandbox), ...sandbox.callerTokens.settings, BENCH_CALLER_TOKENS: JSON.stringify(tokens) };
        const runs: { failures: number; p50: number; p99: number; jwks: number }[] = [];
        for (let run = 0; run < options.runs; run += 1) {
            sandbox.counters.reset();
            const r = await runChild<{ failures: number; p50: number; p99: number }>(
                'callerAuthChild',
                [String(options.invocations), String(options.samples)],
                env,
            );
            runs.push({ ...r, jwks: sandbox.counters.jwksRequests });
        }
        return {
            validations: options.invocations,
            failures: runs.reduce((sum, r) => sum + r.failures, 0),
            jwksFetches: Math.max(...runs.map((r) => r.jwks)),
            validationP50Ms: summarize(runs.map((r) => r.p50)),
            validationP99Ms: summarize(runs.map((r) => r.p99)),
        };
    });
}
