import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Sandbox } from '../../sandbox/index.js';
import type { Caller, WorkerHarness } from './worker/startWorkerHarness.js';

/** The bounds for one `all=true` request, whatever the directory size. */
export const STREAMING_BOUNDS = { maxHeldBytes: 32_000_000, maxGraphPagesAfterGone: 2 } as const;

export type CallerKind = 'stall' | 'disconnectBeforeFirstByte' | 'disconnectMidBody';

/** What one `all=true` request cost when its caller misbehaved, measured through the worker's HTTP proxy. */
export interface AllUsersCallerCost {
    readonly caller: CallerKind;
    readonly status: number | undefined;
    /** Body bytes the app produced (handed to the proxy). */
    readonly producedBytes: number;
    /** Body bytes the caller read. */
    readonly readBytes: number;
    /**
     * Produced minus read: every byte the request left behind, in the worker's queues and in the
     * loopback sockets' kernel buffers (an upper bound of what the worker holds).
     */
    readonly heldBytes: number;
    /** The most the proxy response ever had queued in the worker process (wire bytes, see ResponseFlow). */
    readonly maxQueuedBytes: number;
    /** Graph pages the request read. */
    readonly graphPages: number;
    /** Graph pages read after the caller stopped reading: from the start for a stalled caller, from the hang-up otherwise. */
    readonly graphPagesAfterGone: number;
    /** "Unexpected call to 'log' ..." warnings the request caused. */
    readonly lateLogWarnings: number;
}

function callerOf(kind: CallerKind, onGone: () => void): Caller {
    if (kind === 'stall') return { kind: 'stall' };
    return { kind: 'disconnect', when: kind === 'disconnectBeforeFirstByte' ? 'beforeFirstByte' : 'midBody', onGone };
}

/**
 * Sends `GET /api/users?all=true` (or the continuation `query`) through the harness as a caller
 * of `kind`, and reads the sandbox's Graph page counter when the caller stops reading and once
 * the invocation is over. Shared by the bounds test and `npm run bench`.
 */
export async function measureAllUsersCaller(
    worker: WorkerHarness,
    sandbox: Sandbox,
    kind: CallerKind,
    query = 'all=true',
): Promise<AllUsersCallerCost> {
    const pagesAtStart = sandbox.counters.graphPages;
    let pagesAtGone = pagesAtStart;
    const warningsBefore = worker.logs.lateLogWarnings().length;
    const response = await worker.http({
        path: `/api/users?${query}`,
        headers: { accept: 'application/x-ndjson' },
        caller: callerOf(kind, () => {
            pagesAtGone = sandbox.counters.graphPages;
        }),
    });
    // Anything the invocation left running would have its turn here.
    await nextTurn();
    const pages = sandbox.counters.graphPages;
    return {
        caller: kind,
        status: response.status,
        producedBytes: response.flow.producedBytes,
        readBytes: response.body.length,
        heldBytes: response.flow.producedBytes - response.body.length,
        maxQueuedBytes: response.flow.maxQueuedBytes,
        graphPages: pages - pagesAtStart,
        graphPagesAfterGone: pages - pagesAtGone,
        lateLogWarnings: worker.logs.lateLogWarnings().length - warningsBefore,
    };
}
