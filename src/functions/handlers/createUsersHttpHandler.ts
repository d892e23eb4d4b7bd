import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { CallerAuthorizer } from '../../callerAuth/CallerAuthorizer.js';
import { ensureErrorType } from '../../errors/ensureErrorType.js';
import { createGraphRequestStats } from '../../graph/GraphUser.js';
import type { Runtime } from '../../runtime/createRuntime.js';
import { parseUsersQuery } from '../../users/UsersQuery.js';
import { assertGetRequest } from './assertGetRequest.js';
import { CallerAudit } from './CallerAudit.js';
import { createContextLogger } from './createContextLogger.js';
import { logInvocationSummary } from './InvocationSummary.js';
import { logFailure } from './logFailure.js';
import { streamAllUsers, type StreamOutcome } from './streamAllUsers.js';
import { toProblemResponse } from './toProblemResponse.js';

export type UsersHttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/**
 * `GET /api/users`: authorizes the caller, validates the query, then returns one page of users
 * from the core, or with `all=true` streams every user as NDJSON (see streamAllUsers).
 */
export function createUsersHttpHandler(
    getRuntime: () => Runtime | Promise<Runtime>,
    getAuthorizer: () => CallerAuthorizer | Promise<CallerAuthorizer>,
): UsersHttpHandler {
    return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
        const started = performance.now();
        const logger = createContextLogger(context);
        const stats = createGraphRequestStats();
        const audit = new CallerAudit();
        const summarise = (status: number, outcome: StreamOutcome): void => {
            logInvocationSummary(logger, {
                invocationId: context.invocationId,
                trigger: 'http',
                outcome: outcome.errorCode === undefined ? 'success' : 'failure',
                status,
                users: outcome.users,
                pages: outcome.pages,
                stats,
                durationMs: Math.round(performance.now() - started),
                ...(outcome.errorCode === undefined ? {} : { errorCode: outcome.errorCode }),
                ...audit.fields(),
            });
        };
        try {
            await audit.authorize(request, getAuthorizer);
            assertGetRequest(request);
            const query = parseUsersQuery(request.query.entries());
            if (query.all) {
                // The summary is logged when the stream ends, with what was actually sent.
                return await streamAllUsers({
                    users: (await getRuntime()).users,
                    query,
                    accept: request.headers.get('accept'),
                    call: { stats, logger },
                    invocationId: context.invocationId,
                    onEnd: (outcome) => {
                        summarise(200, outcome);
                    },
                });
            }
            const page = await (await getRuntime()).users.getPage(query, { stats, logger });
            summarise(200, { users: page.value.length, pages: 1 });
            return { status: 200, jsonBody: page, headers: { 'Cache-Control': 'no-store' } };
        } catch (thrown) {
            const error = ensureErrorType(thrown);
            logFailure(logger, error, context.invocationId);
            const response = toProblemResponse(error, context.invocationId);
            summarise(error.status, { users: 0, pages: 0, errorCode: error.code });
            return response;
        }
    };
}
