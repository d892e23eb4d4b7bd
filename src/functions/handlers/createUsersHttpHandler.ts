import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { CallerAuthorizer } from '../../callerAuth/CallerAuthorizer.js';
import { ensureErrorType } from '../../errors/ensureErrorType.js';
import { createGraphRequestStats } from '../../graph/GraphUser.js';
import type { Runtime } from '../../runtime/createRuntime.js';
import { parseUsersQuery } from '../../users/UsersQuery.js';
import { allUsersNdjsonResponse, assertNdjsonAccepted, PAGES_PER_SEGMENT } from './allUsersNdjson.js';
import { assertGetRequest } from './assertGetRequest.js';
import { CallerAudit } from './CallerAudit.js';
import { createContextLogger } from './createContextLogger.js';
import { logInvocationSummary } from './InvocationSummary.js';
import { logFailure } from './logFailure.js';
import { toProblemResponse } from './toProblemResponse.js';

export type UsersHttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/**
 * `GET /api/users`: authorizes the caller, validates the query, then returns one page of users from
 * the core, or with `all=true` one NDJSON segment of every user (see allUsersNdjson). Everything is
 * read before the handler returns and the summary is logged here: nothing logs after the invocation ends.
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
        const summarise = (status: number, users: number, pages: number, errorCode?: string): void => {
            logInvocationSummary(logger, {
                invocationId: context.invocationId,
                trigger: 'http',
                outcome: errorCode === undefined ? 'success' : 'failure',
                status,
                users,
                pages,
                stats,
                durationMs: Math.round(performance.now() - started),
                ...(errorCode === undefined ? {} : { errorCode }),
                ...audit.fields(),
            });
        };
        try {
            await audit.authorize(request, getAuthorizer);
            assertGetRequest(request);
            const query = parseUsersQuery(request.query.entries());
            if (query.all) {
                assertNdjsonAccepted(request.headers.get('accept'));
                const segment = await (await getRuntime()).users.getSegment(query, PAGES_PER_SEGMENT, { stats, logger });
                summarise(200, segment.users.length, segment.pages);
                return allUsersNdjsonResponse(segment);
            }
            const page = await (await getRuntime()).users.getPage(query, { stats, logger });
            summarise(200, page.value.length, 1);
            return { status: 200, jsonBody: page, headers: { 'Cache-Control': 'no-store' } };
        } catch (thrown) {
            const error = ensureErrorType(thrown);
            logFailure(logger, error, context.invocationId);
            const response = toProblemResponse(error, context.invocationId);
            summarise(error.status, 0, 0, error.code);
            return response;
        }
    };
}
