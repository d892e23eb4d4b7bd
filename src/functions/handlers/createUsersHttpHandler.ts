import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { ensureErrorType } from '../../errors/ensureErrorType.js';
import { createGraphRequestStats } from '../../graph/GraphUser.js';
import type { Runtime } from '../../runtime/createRuntime.js';
import { parseUsersQuery } from '../../users/UsersQuery.js';
import { createContextLogger } from './createContextLogger.js';
import { logInvocationSummary } from './InvocationSummary.js';
import { toProblemResponse } from './toProblemResponse.js';

export type UsersHttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** `GET /api/users`: validates the query, then returns one page of users from the core. */
export function createUsersHttpHandler(getRuntime: () => Runtime): UsersHttpHandler {
    return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
        const started = performance.now();
        const logger = createContextLogger(context);
        const stats = createGraphRequestStats();
        let users = 0;
        let response: HttpResponseInit;
        let errorCode: string | undefined;
        try {
            const query = parseUsersQuery(request.query.entries());
            const page = await getRuntime().users.getPage(query, { stats, logger });
            users = page.value.length;
            response = { status: 200, jsonBody: page, headers: { 'Cache-Control': 'no-store' } };
        } catch (thrown) {
            const error = ensureErrorType(thrown);
            errorCode = error.code;
            if (error.status >= 500) logger.error(error.toLogString());
            response = toProblemResponse(error, context.invocationId);
        }
        logInvocationSummary(logger, {
            invocationId: context.invocationId,
            trigger: 'http',
            outcome: errorCode === undefined ? 'success' : 'failure',
            status: response.status ?? 200,
            users,
            pages: errorCode === undefined ? 1 : 0,
            stats,
            durationMs: Math.round(performance.now() - started),
            ...(errorCode === undefined ? {} : { errorCode }),
        });
        return response;
    };
}
