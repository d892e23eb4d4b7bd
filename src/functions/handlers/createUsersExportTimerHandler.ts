import type { InvocationContext, Timer } from '@azure/functions';
import { ensureErrorType } from '../../errors/ensureErrorType.js';
import { exportUsers } from '../../export/exportUsers.js';
import { LoggingSink } from '../../export/LoggingSink.js';
import type { UsersSink } from '../../export/UsersSink.js';
import { createGraphRequestStats } from '../../graph/GraphUser.js';
import type { Logger } from '../../logging/Logger.js';
import type { Runtime } from '../../runtime/createRuntime.js';
import { defaultUserSelect } from '../../users/userProperties.js';
import { createContextLogger } from './createContextLogger.js';
import { logInvocationSummary } from './InvocationSummary.js';

export type TimerHandler = (timer: Timer, context: InvocationContext) => Promise<void>;
export type SinkFactory = (logger: Logger) => UsersSink;

/** The scheduled job: reads every page of users through the shared pipeline into a sink. */
export function createUsersExportTimerHandler(
    getRuntime: () => Runtime,
    createSink: SinkFactory = (logger) => new LoggingSink(logger),
): TimerHandler {
    return async (timer: Timer, context: InvocationContext): Promise<void> => {
        const started = performance.now();
        const logger = createContextLogger(context);
        const stats = createGraphRequestStats();
        if (timer.isPastDue) logger.warn('Timer is past due: this run is catching up on a missed schedule.');
        try {
            const summary = await exportUsers({
                users: getRuntime().users,
                select: defaultUserSelect,
                sink: createSink(logger),
                stats,
                logger,
            });
            logInvocationSummary(logger, {
                invocationId: context.invocationId,
                trigger: 'timer',
                outcome: 'success',
                users: summary.userCount,
                pages: summary.pageCount,
                stats,
                durationMs: Math.round(performance.now() - started),
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
