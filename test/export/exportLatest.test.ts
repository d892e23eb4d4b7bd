/** `GET /api/users/export/latest` against Azurite, before and after an export. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import functions from '@azure/functions';
import { functionKeyAuthorizer } from '../../src/callerAuth/CallerAuthorizer.js';
import { createExportLatestHttpHandler } from '../../src/functions/handlers/createExportLatestHttpHandler.js';
import { hygiene } from '../support/hygieneGuard.js';
import { startExportTestKit, type ExportTestKit } from '../support/startExportTestKit.js';

const { HttpRequest, InvocationContext } = functions;

describe('GET /api/users/export/latest', () => {
    let kit: ExportTestKit;
    before(async () => {
        kit = await startExportTestKit({ userCount: 1500 });
    });
    after(() => kit.close());

    it('answers 404 problem+json before any export, and the manifest after', async () => {
        const target = await kit.newTarget();
        const handler = createExportLatestHttpHandler(
            () => target.exportRuntime().store,
            () => functionKeyAuthorizer,
        );
        const invoke = async () => {
            const response = await handler(
                new HttpRequest({ method: 'GET', url: 'https://localhost:7071/api/users/export/latest' }),
                new InvocationContext({ invocationId: 'latest', functionName: 'usersExportLatest', logHandler: kit.t.logs.logHandler }),
            );
            hygiene.recordHandlerResponse(response);
            return response;
        };

        const missing = await invoke();
        assert.equal(missing.status, 404);
        const problem = missing.jsonBody as Record<string, unknown>;
        assert.equal((missing.headers as Record<string, string>)['Content-Type'], 'application/problem+json');
        assert.equal(problem.code, 'NoSnapshot');
        assert.match(String(problem.detail), /No users export snapshot exists yet/);
        assert.equal(problem.hint, undefined);

        const { manifest } = await target.run();
        const found = await invoke();
        assert.equal(found.status, 200);
        assert.deepEqual(found.jsonBody, manifest);
        assert.equal((found.headers as Record<string, string>).ETag, (await target.latest())?.etag);
    });

    it('also answers 404 when the container does not exist yet', async () => {
        const target = await kit.newTarget();
        await target.container.delete();
        const response = await createExportLatestHttpHandler(
            () => target.exportRuntime().store,
            () => functionKeyAuthorizer,
        )(
            new HttpRequest({ method: 'GET', url: 'https://localhost:7071/api/users/export/latest' }),
            new InvocationContext({ invocationId: 'latest-2', functionName: 'usersExportLatest', logHandler: kit.t.logs.logHandler }),
        );
        hygiene.recordHandlerResponse(response);
        assert.equal(response.status, 404);
    });
});
