import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { CallerAuthorizer } from '../../callerAuth/CallerAuthorizer.js';
import { ensureErrorType } from '../../errors/ensureErrorType.js';
import { createGraphRequestStats } from '../../graph/GraphUser.js';
import { assertNoQueryParameters } from '../../users/UsersQuery.js';
import { assertGetRequest } from './assertGetRequest.js';
import { CallerAudit } from './CallerAudit.js';
import { createContextLogger } from './createContextLogger.js';
import { logInvocationSummary, type LinkedSnapshot } from './InvocationSummary.js';
import { logFailure } from './logFailure.js';
import { toProblemResponse } from './toProblemResponse.js';

export type ExportHttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** What an export route answered, and the snapshot it concerned, for the summary. */
export interface ExportAnswer {
    readonly response: HttpResponseInit;
    readonly snapshot?: LinkedSnapshot;
}

/**
 * The frame of the export routes (`/api/users/export/latest[/content]`): authorize the caller, GET
 * with no parameters, then `answer`; failures become problem details and go to the log, and one
 * summary line records the outcome and the caller.
 */
export function handleExportRequest(
    getAuthorizer: () => CallerAuthorizer | Promise<CallerAuthorizer>,
    answer: () => Promise<ExportAnswer>,
): ExportHttpHandler {
    return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
        const started = performance.now();
        const logger = createContextLogger(context);
        const audit = new CallerAudit();
        let result: ExportAnswer;
        let errorCode: string | undefined;
        try {
            await audit.authorize(request, getAuthorizer);
            assertGetRequest(request);
            assertNoQueryParameters(request.query.entries());
            result = await answer();
        } catch (thrown) {
            const error = ensureErrorType(thrown);
            errorCode = error.code;
            logFailure(logger, error, context.invocationId);
            result = { response: toProblemResponse(error, context.invocationId) };
        }
        logInvocationSummary(logger, {
            invocationId: context.invocationId,
            trigger: 'http',
            outcome: errorCode === undefined ? 'success' : 'failure',
            status: result.response.status ?? 200,
            users: 0,
            pages: 0,
            stats: createGraphRequestStats(),
            durationMs: Math.round(performance.now() - started),
            ...(errorCode === undefined ? {} : { errorCode }),
            ...(result.snapshot === undefined ? {} : { snapshot: result.snapshot }),
            ...audit.fields(),
        });
        return result.response;
    };
}
