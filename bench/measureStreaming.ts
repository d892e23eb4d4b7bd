import type { AllUsersCallerCost, CallerKind } from '../test/support/measureAllUsersCaller.js';
import type { BenchOptions } from './options.js';
import { runChild } from './runChild.js';
import { summarize, type Summary } from './summary.js';

/** One `all=true` request at one directory size for one kind of caller, over the runs. */
export interface StreamingFigure {
    readonly users: number;
    readonly caller: CallerKind;
    /** Produced minus read, MB: what the request left in the worker and the loopback sockets. */
    readonly heldMb: Summary;
    /** The most the proxy response had queued in the worker process, MB. */
    readonly maxQueuedMb: Summary;
    /** Graph pages the request read. */
    readonly graphPages: Summary;
    /** Graph pages read after the caller stopped reading (stalled: from the start; hung up: from the hang-up). */
    readonly graphPagesAfterGone: Summary;
    /** "Unexpected call to 'log'" warnings over all runs. */
    readonly lateLogWarnings: number;
}

const MB = 1_000_000;

/** Per directory size, a fresh child runs the deployed app under the worker-mode harness (one app per process). */
export async function measureStreaming(options: BenchOptions): Promise<StreamingFigure[]> {
    const figures: StreamingFigure[] = [];
    for (const users of options.streamingSizes) {
        const costs = await runChild<AllUsersCallerCost[]>('streamingChild', [String(users), String(options.runs)], {});
        for (const caller of [...new Set(costs.map((c) => c.caller))]) {
            const runs = costs.filter((c) => c.caller === caller);
            figures.push({
                users,
                caller,
                heldMb: summarize(runs.map((r) => r.heldBytes / MB)),
                maxQueuedMb: summarize(runs.map((r) => r.maxQueuedBytes / MB)),
                graphPages: summarize(runs.map((r) => r.graphPages)),
                graphPagesAfterGone: summarize(runs.map((r) => r.graphPagesAfterGone)),
                lateLogWarnings: runs.reduce((sum, r) => sum + r.lateLogWarnings, 0),
            });
        }
    }
    return figures;
}
