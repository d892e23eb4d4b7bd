/**
 * `GET /api/users/export/latest/content` against Azurite served over HTTPS with OAuth (`--oauth
 * basic`), which is what user delegation SAS needs: the export storage is reached with the managed
 * identity (the sandbox's identity endpoint gives Storage tokens), the handler signs a user
 * delegation SAS with the real SDK, and Azurite checks that signature when the link is used.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it, mock } from 'node:test';
import functions, { type HttpResponseInit } from '@azure/functions';
import { BlobServiceClient } from '@azure/storage-blob';
import { functionKeyAuthorizer } from '../../src/callerAuth/CallerAuthorizer.js';
import { loadExportStorageSettings } from '../../src/config/ExportStorageSettings.js';
import { SNAPSHOT_LINK_LIFETIME_MS, SnapshotLinkSigner } from '../../src/export/SnapshotLinkSigner.js';
import { runSnapshotExport } from '../../src/export/runSnapshotExport.js';
import { createExportContentHttpHandler } from '../../src/functions/handlers/createExportContentHttpHandler.js';
import { createExportRuntime, type ExportRuntime } from '../../src/runtime/createExportRuntime.js';
import { createExportServiceClient } from '../../src/runtime/createExportServiceClient.js';
import { hygiene } from '../support/hygieneGuard.js';
import { startOAuthExportStorage, type OAuthExportStorage } from '../support/startOAuthExportStorage.js';
import { startTestSandbox, type TestSandbox } from '../support/startTestSandbox.js';

const { HttpRequest, InvocationContext } = functions;

describe('GET /api/users/export/latest/content (user delegation SAS, Azurite with OAuth over HTTPS)', () => {
    let t: TestSandbox;
    let storage: OAuthExportStorage;

    before(async () => {
        t = await startTestSandbox({ userCount: 1200 });
        storage = await startOAuthExportStorage();
    });
    after(async () => {
        await storage.close();
        await t.close();
    });

    /** A container, and settings that reach it with the managed identity, as in Azure. */
    async function newTarget(): Promise<{ env: Record<string, string>; runtime: ExportRuntime }> {
        const env = { ...t.sandbox.settings, ...(await storage.newContainer()).env };
        return { env, runtime: createExportRuntime(env) };
    }

    async function invoke(runtime: ExportRuntime, id: string): Promise<HttpResponseInit> {
        const response = await createExportContentHttpHandler(
            () => runtime,
            () => functionKeyAuthorizer,
        )(
            new HttpRequest({ method: 'GET', url: 'https://localhost:7071/api/users/export/latest/content' }),
            new InvocationContext({ invocationId: id, functionName: 'usersExportLatestContent', logHandler: t.logs.logHandler }),
        );
        hygiene.recordHandlerResponse(response);
        return response;
    }

    const location = (response: HttpResponseInit): URL => new URL((response.headers as Record<string, string>).Location ?? '');

    it('404 NoSnapshot before the first export, then a 307 to a read-only SAS of exactly that snapshot', async () => {
        const { runtime } = await newTarget();
        const missing = await invoke(runtime, 'content-missing');
        assert.equal(missing.status, 404);
        assert.equal((missing.jsonBody as { code: string }).code, 'NoSnapshot');

        const { manifest } = await runSnapshotExport({ graph: t.newRuntime().graph, ...runtime, logger: t.logs.logger('export') });
        const response = await invoke(runtime, 'content-1');
        assert.equal(response.status, 307);
        assert.equal((response.headers as Record<string, string>)['Cache-Control'], 'no-store');
        const url = location(response);
        assert.equal(url.origin, new URL(storage.azurite.blobEndpoint).origin);
        assert.ok(url.pathname.endsWith(`/${manifest.blobName}`), url.pathname);
        const q = url.searchParams;
        assert.equal(q.get('sp'), 'r', 'read only');
        assert.equal(q.get('sr'), 'b', 'one blob');
        assert.equal(q.get('spr'), 'https');
        assert.ok(q.get('skoid') !== null, 'a user delegation SAS');
        assert.equal(Date.parse(q.get('se') ?? '') - Date.parse(q.get('st') ?? ''), SNAPSHOT_LINK_LIFETIME_MS + 5 * 60_000);

        const download = await fetch(url);
        assert.equal(download.status, 200);
        const bytes = Buffer.from(await download.arrayBuffer());
        assert.equal(createHash('sha256').update(bytes).digest('hex'), manifest.sha256);
        assert.equal(bytes.toString('utf8').split('\n').length - 1, 1200);
        assert.match(download.headers.get('content-disposition') ?? '', /^attachment; filename="[^"/]+\.ndjson"$/);

        // The link is for that blob, for reading: not for latest.json, not for writing.
        const other = new URL(url);
        other.pathname = other.pathname.replace(manifest.blobName, 'latest.json');
        assert.equal((await fetch(other)).status, 403);
        assert.equal((await fetch(url, { method: 'PUT', body: 'x', headers: { 'x-ms-blob-type': 'BlockBlob' } })).status, 403);
        assert.equal((await fetch(url, { method: 'DELETE' })).status, 403);

        // The SAS is a credential: no log line carries its signature, and the summary names the snapshot.
        const signature = q.get('sig') ?? '';
        assert.ok(signature.length > 20);
        assert.ok(!t.logs.lines.some((l) => l.includes(signature) || l.includes(encodeURIComponent(signature))));
        hygiene.registerForbidden(() => [signature]);
        const summary = t.logs.lines.find((l) => l.includes('"invocationId":"content-1"'));
        assert.match(summary ?? '', /"status":307/);
        assert.match(summary ?? '', new RegExp(`"blobName":"${manifest.blobName}"`));
    });

    it('an expired link is refused by Storage, and one delegation key serves many links', async () => {
        const { env: targetEnv } = await newTarget();
        const settings = loadExportStorageSettings(targetEnv);
        const service = createExportServiceClient(settings);
        // A spy that calls through to the real SDK (the request still goes to Azurite), to count delegation keys.
        const keyRequests = mock.method(service, 'getUserDelegationKey');
        await service.getContainerClient(settings.container).getBlockBlobClient('snapshots/x.ndjson').upload('{"id":"1"}\n', 11);
        let now = Date.now();
        const signer = new SnapshotLinkSigner({ service, container: settings.container, now: () => now });
        const links = await Promise.all(Array.from({ length: 10 }, () => signer.linkFor('snapshots/x.ndjson', 'x.ndjson')));
        assert.equal(keyRequests.mock.callCount(), 1, 'concurrent links share one delegation key request');
        for (const link of links) assert.equal((await fetch(link.url)).status, 200);

        now -= SNAPSHOT_LINK_LIFETIME_MS + 10 * 60_000;
        const stale = new SnapshotLinkSigner({ service, container: settings.container, now: () => now });
        const expired = await stale.linkFor('snapshots/x.ndjson', 'x.ndjson');
        assert.equal((await fetch(expired.url)).status, 403, 'expired');
    });

    it('a connection string cannot sign a user delegation SAS: 503 SnapshotLinkUnavailable, the fix in the log', async () => {
        const runtime = createExportRuntime({ ...t.sandbox.settings, USERS_EXPORT_STORAGE: storage.azurite.connectionString });
        const response = await invoke(runtime, 'content-connection-string');
        assert.equal(response.status, 503);
        assert.equal((response.jsonBody as { code: string }).code, 'SnapshotLinkUnavailable');
        assert.ok(t.logs.lines.some((l) => l.includes('SnapshotLinkUnavailable:') && l.includes('invocationId content-connection-string')));
    });

    it('storage unreachable for the delegation key: 503 with Retry-After', async () => {
        const { env: targetEnv, runtime } = await newTarget();
        await runSnapshotExport({ graph: t.newRuntime().graph, ...runtime, logger: t.logs.logger('export') });
        const settings = loadExportStorageSettings(targetEnv);
        const down = new SnapshotLinkSigner({
            service: new BlobServiceClient('https://127.0.0.1:9/devstoreaccount1', undefined, { retryOptions: { maxTries: 1 } }),
            container: settings.container,
        });
        const response = await invoke({ ...runtime, links: down }, 'content-down');
        assert.equal(response.status, 503);
        assert.equal((response.jsonBody as { code: string }).code, 'SnapshotLinkUnavailable');
        assert.ok((response.headers as Record<string, string>)['Retry-After']);
    });
});
