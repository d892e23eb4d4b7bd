import type { InvocationContext, Timer } from '@azure/functions';
import { ensureErrorType } from '../../errors/ensureErrorType.js';
import { runSnapshotExport } from '../../export/runSnapshotExport.js';
import { createGraphRequestStats } from '../../graph/GraphUser.js';
import type { ExportRuntime } from '../../runtime/createExportRuntime.js';
import type { Runtime } from '../../runtime/createRuntime.js';
import { createContextLogger } from './createContextLogger.js';
import { logInvocationSummary } from './InvocationSummary.js';

export type TimerHandler = (timer: Timer, context: InvocationContext) => Promise<void>;

/**
 * The scheduled job: one snapshot of every user into blob storage (from the changes since the last
 * run when it can, see runSnapshotExport), `latest.json`, the delta state, then retention.
 * The host's singleton lock keeps runs from overlapping; the conditional manifest write covers
 * the rest (e.g. a manual CLI export at the same time).
 */
export function createUsersExportTimerHandler(
    getRuntime: () => Runtime | Promise<Runtime>,
    getExportRuntime: () => ExportRuntime | Promise<ExportRuntime>,
): TimerHandler {
    return async (timer: Timer, context: InvocationContext): Promise<void> => {
        const started = performance.now();
        const logger = createContextLogger(context);
        const stats = createGraphRequestStats();
        if (timer.isPastDue) logger.warn('Timer is past due: this run is catching up on a missed schedule.');
        try {
            // Storage settings first: a missing connection fails before any Graph traffic.
            const { store, settings } = await getExportRuntime();
            const result = await runSnapshotExport({ graph: (await getRuntime()).graph, store, settings, stats, logger });
            const { runId, blobName, userCount, bytes, sha256, pageCount, mode, fullReadReason, duplicates, changes } = result.manifest;
            logInvocationSummary(logger, {
                invocationId: context.invocationId,
                trigger: 'timer',
                outcome: 'success',
                users: userCount,
                pages: pageCount,
                stats,
                durationMs: Math.round(performance.now() - started),
                snapshot: {
                    runId,
                    blobName,
                    userCount,
                    bytes,
                    sha256,
                    mode: mode ?? 'full',
                    ...(fullReadReason === undefined ? {} : { fullReadReason }),
                    duplicates: duplicates ?? 0,
                    ...(changes === undefined ? {} : { added: changes.added, updated: changes.updated, removed: changes.removed }),
                    ...(result.deletedSnapshots === undefined ? {} : { deletedSnapshots: result.deletedSnapshots }),
                },
            });
        } catch (thrown) {
            const error = ensureErrorType(thrown);
            logger.error(error.toLogString());
            logInvocationSummary(logger, {
                invocationId: context.invocationId,
                trigger: 'timer',
                outcome: 'failure',
                users: 0,
                pages: 0,
                stats,
                durationMs: Math.round(performance.now() - started),
                errorCode: error.code,
            });
            // Rethrow so the host records the failure and applies the retry policy.
            throw error;
        }
    };
}
