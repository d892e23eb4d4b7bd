import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { ensureErrorType } from '../../errors/ensureErrorType.js';
import { ExportError } from '../../errors/errorClasses.js';
import type { SnapshotStore } from '../../export/SnapshotStore.js';
import { createGraphRequestStats } from '../../graph/GraphUser.js';
import { assertNoQueryParameters } from '../../users/UsersQuery.js';
import { assertGetRequest } from './assertGetRequest.js';
import { createContextLogger } from './createContextLogger.js';
import { logInvocationSummary } from './InvocationSummary.js';
import { toProblemResponse } from './toProblemResponse.js';

export type ExportLatestHttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** `GET /api/users/export/latest`: the manifest of the newest complete snapshot. */
export function createExportLatestHttpHandler(getStore: () => SnapshotStore | Promise<SnapshotStore>): ExportLatestHttpHandler {
    return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
        const started = performance.now();
        const logger = createContextLogger(context);
        let response: HttpResponseInit;
        let errorCode: string | undefined;
        try {
            assertGetRequest(request);
            assertNoQueryParameters(request.query.entries());
            const stored = await (await getStore()).readManifest();
            if (stored === undefined) {
                throw new ExportError('NoSnapshot', 'No users export snapshot exists yet: latest.json has not been written.', {
                    status: 404,
                    hint: 'The timer function writes it after its first successful run; check its logs, or run `graph-users export` once.',
                });
            }
            response = { status: 200, jsonBody: stored.manifest, headers: { 'Cache-Control': 'no-store', ETag: stored.etag } };
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
            users: 0,
            pages: 0,
            stats: createGraphRequestStats(),
            durationMs: Math.round(performance.now() - started),
            ...(errorCode === undefined ? {} : { errorCode }),
        });
        return response;
    };
}
