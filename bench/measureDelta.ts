import type { Azurite, Sandbox } from '../sandbox/index.js';
import { childEnv, withContainer, withSandbox } from './benchSandbox.js';
import type { BenchOptions } from './options.js';
import { runChild } from './runChild.js';
import { summarize, type Summary } from './summary.js';

interface DeltaRun {
    readonly elapsedMs: number;
    readonly mode: string | undefined;
    readonly fullReadReason: string | undefined;
    readonly userCount: number;
    readonly graphRequests: number;
    readonly changeFileBytes: number;
    readonly changes: number;
    readonly mergeMs: number;
    readonly maxRssKb: number;
}

export interface DeltaResult {
    readonly users: number;
    readonly changedUsers: number;
    readonly latencyMs: number;
    readonly fullMs: Summary;
    readonly incrementalMs: Summary;
    /** Incremental wall time / full wall time, per run. */
    readonly wallRatio: Summary;
    /** Graph requests as counted by the sandbox, on the wire. */
    readonly fullRequests: Summary;
    readonly incrementalRequests: Summary;
    readonly requestRatio: Summary;
    readonly changeFileBytes: Summary;
    /** Users of the new snapshot per second of merge (read, merge and upload of the snapshot). */
    readonly mergeUsersPerSecond: Summary;
    readonly incrementalPeakRssMb: Summary;
}

/**
 * Incremental against full, in the same session: per run, a forced full export into a fresh
 * Azurite container, then `changedUsers` changes to the directory (80% updates, 10% creations,
 * 5% soft and 5% hard deletes), then an incremental export continuing from the full one's state.
 */
export async function measureDelta(options: BenchOptions, azurite: Azurite): Promise<DeltaResult> {
    const users = options.deltaUsers;
    const changedUsers = options.deltaChanges ?? Math.max(1, Math.round(users / 100));
    return withSandbox(users, async (sandbox) => {
        sandbox.faults.graph.latencyMs = options.deltaLatency;
        const runs: { full: DeltaRun; incremental: DeltaRun; fullRequests: number; incrementalRequests: number }[] = [];
        for (let run = 0; run < options.runs; run += 1) {
            runs.push(
                await withContainer(azurite, async (container) => {
                    const env = childEnv(sandbox, azurite, container);
                    sandbox.counters.reset();
                    const full = await runChild<DeltaRun>('deltaChild', ['full'], env);
                    const fullRequests = sandbox.counters.graphRequests;
                    change(sandbox, changedUsers, run);
                    sandbox.counters.reset();
                    const incremental = await runChild<DeltaRun>('deltaChild', ['incremental'], env);
                    if (incremental.mode !== 'incremental')
                        throw new Error(`The second run was a full read (${String(incremental.fullReadReason)}).`);
                    sandbox.clearRequestLog();
                    return { full, incremental, fullRequests, incrementalRequests: sandbox.counters.graphRequests };
                }),
            );
        }
        sandbox.faults.graph.latencyMs = 0;
        return {
            users,
            changedUsers,
            latencyMs: options.deltaLatency,
            fullMs: summarize(runs.map((r) => r.full.elapsedMs)),
            incrementalMs: summarize(runs.map((r) => r.incremental.elapsedMs)),
            wallRatio: summarize(runs.map((r) => r.incremental.elapsedMs / r.full.elapsedMs)),
            fullRequests: summarize(runs.map((r) => r.fullRequests)),
            incrementalRequests: summarize(runs.map((r) => r.incrementalRequests)),
            requestRatio: summarize(runs.map((r) => r.incrementalRequests / r.fullRequests)),
            changeFileBytes: summarize(runs.map((r) => r.incremental.changeFileBytes)),
            mergeUsersPerSecond: summarize(runs.map((r) => r.incremental.userCount / (r.incremental.mergeMs / 1000))),
            incrementalPeakRssMb: summarize(runs.map((r) => r.incremental.maxRssKb / 1024)),
        };
    });
}

/** `count` changes spread over the directory, different in each run. */
function change(sandbox: Sandbox, count: number, run: number): void {
    const directory = sandbox.directory;
    const stride = Math.max(1, Math.floor(directory.size / count));
    for (let i = 0; i < count; i += 1) {
        const index = (i * stride + run * 7) % directory.size;
        const kind = i % 20;
        if (kind < 16) directory.update(index);
        else if (kind < 18) directory.create();
        else if (kind === 18) directory.softDelete(index);
        else directory.hardDelete(index);
    }
}
