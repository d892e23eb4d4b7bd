import type { CallerAuthResult } from './measureCallerAuth.js';
import type { ColdStartResult } from './measureColdStart.js';
import type { DeltaResult } from './measureDelta.js';
import type { InvocationResult, TokenPathResult } from './measureInvocations.js';
import type { MemoryFigure } from './measureMemory.js';
import type { StreamingFigure } from './measureStreaming.js';
import type { ThroughputResult } from './measureThroughput.js';
import type { BenchOptions } from './options.js';

export interface Goal {
    readonly name: string;
    readonly target: string;
    readonly value: number;
    readonly met: boolean;
}

/** Everything `npm run bench` writes to results.json. */
export interface BenchResults {
    readonly meta: { readonly node: string; readonly date: string; readonly cpus: number; readonly options: BenchOptions };
    readonly throughput: ThroughputResult;
    readonly memory: readonly MemoryFigure[];
    /** Median peak RSS at the largest size over that at the smallest, minus one. */
    readonly memoryGrowth: number;
    readonly invocation: InvocationResult;
    readonly tokenPath: TokenPathResult;
    readonly callerAuth: CallerAuthResult;
    readonly coldStart: ColdStartResult;
    /** `all=true` through the worker's HTTP proxy for callers that never read or hang up. */
    readonly streaming: readonly StreamingFigure[];
    readonly delta: DeltaResult;
    readonly goals: readonly Goal[];
}

/** The goals, judged on the medians. */
export function judgeGoals(results: Omit<BenchResults, 'goals'>): Goal[] {
    const goal = (name: string, target: string, value: number, met: boolean): Goal => ({ name, target, value, met });
    return [
        ...results.throughput.byLatency.flatMap((f) => [
            goal(
                `export/baseline, discard sink, ${f.latencyMs} ms latency`,
                '<= 1.10',
                f.discardRatio.median,
                f.discardRatio.median <= 1.1,
            ),
            goal(`export/baseline, Azurite, ${f.latencyMs} ms latency`, '<= 1.10', f.azuriteRatio.median, f.azuriteRatio.median <= 1.1),
        ]),
        ...results.memory.map((m) => goal(`peak RSS MB, ${m.users} users`, '<= 150', m.peakRssMb.median, m.peakRssMb.median <= 150)),
        goal('peak RSS growth, largest vs smallest size', '<= 0.15', results.memoryGrowth, results.memoryGrowth <= 0.15),
        goal('warm overhead p50 ms', '<= 1', results.invocation.overheadP50Ms.median, results.invocation.overheadP50Ms.median <= 1),
        ...results.tokenPath.flatMap((k) => [
            goal(
                `${k.credential}: Key Vault reads per ${k.invocations} invocations`,
                k.credential === 'managedIdentity' ? '0' : '1',
                k.keyVaultReads,
                k.keyVaultReads === (k.credential === 'managedIdentity' ? 0 : 1),
            ),
            goal(
                `${k.credential}: identity requests per ${k.invocations} invocations`,
                '1',
                k.managedIdentityRequests,
                k.managedIdentityRequests === 1,
            ),
            goal(`${k.credential}: token requests per ${k.invocations} invocations`, '1', k.tokenRequests, k.tokenRequests === 1),
        ]),
        goal(
            'caller token validation p50 ms, warm',
            '<= 0.3',
            results.callerAuth.validationP50Ms.median,
            results.callerAuth.validationP50Ms.median <= 0.3,
        ),
        goal(
            `caller key-set fetches per ${results.callerAuth.validations} validations at concurrency 200`,
            '1',
            results.callerAuth.jwksFetches,
            results.callerAuth.jwksFetches === 1,
        ),
        goal('cold import, entry/SDKs', '<= 0.5', results.coldStart.importRatio.median, results.coldStart.importRatio.median <= 0.5),
        ...results.streaming.flatMap((s) => [
            // Bounds hold on every run, so the worst run is judged.
            goal(`all=true MB held, ${s.caller}, ${s.users} users`, '<= 32', s.heldMb.max, s.heldMb.max <= 32),
            goal(
                `all=true Graph pages after the caller stopped, ${s.caller}, ${s.users} users`,
                '<= 2',
                s.graphPagesAfterGone.max,
                s.graphPagesAfterGone.max <= 2,
            ),
        ]),
        goal(
            `incremental/full Graph requests, ${results.delta.users} users, ${results.delta.changedUsers} changed`,
            '<= 0.1',
            results.delta.requestRatio.median,
            results.delta.requestRatio.median <= 0.1,
        ),
        goal(
            `incremental/full wall time, ${results.delta.latencyMs} ms per page`,
            '<= 0.2',
            results.delta.wallRatio.median,
            results.delta.wallRatio.median <= 0.2,
        ),
    ];
}
