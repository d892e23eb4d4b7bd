/**
 * Page tokens across instances, over the wire: the real @azure/storage-blob against Azurite from
 * npm holds the key ring, and the real MSAL, Key Vault and fetch go to the sandbox. Each runtime
 * is one "instance" (its own caches); instances share only the container.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { applyRetention } from '../../src/export/applyRetention.js';
import { PAGE_TOKEN_KEY_RING_BLOB } from '../../src/runtime/createPageTokenKeyRing.js';
import { createRuntime } from '../../src/runtime/createRuntime.js';
import { hygiene } from '../support/hygieneGuard.js';
import { LogCapture } from '../support/LogCapture.js';
import { startExportTestKit, type ExportTestKit } from '../support/startExportTestKit.js';
import { fastRetry } from '../support/startTestSandbox.js';

const USERS = 60;
const DAY_MS = 86_400_000;
/** Every key the tests saw in a ring: none may ever appear in a log line or response. */
const keyMaterial: string[] = [];
hygiene.registerForbidden(() => keyMaterial);

interface StoredRing {
    readonly schemaVersion: number;
    readonly keys: { id: string; createdAt: string; key: string }[];
}

async function readRing(container: ContainerClient): Promise<{ ring: StoredRing; etag: string }> {
    const blob = container.getBlobClient(PAGE_TOKEN_KEY_RING_BLOB);
    const etag = (await blob.getProperties()).etag ?? '';
    const ring = JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as StoredRing;
    keyMaterial.push(...ring.keys.map((k) => k.key));
    return { ring, etag };
}

const keyIdOf = (token: unknown): string => String(token).split('.')[1] ?? '';

describe('page tokens shared through the export container', () => {
    let kit: ExportTestKit;
    before(async () => {
        kit = await startExportTestKit({ userCount: USERS });
    });
    after(() => kit.close());

    it("two instances page through every user with each other's tokens; Graph only gets URLs the function built", async () => {
        const target = await kit.newTarget();
        const instances = [target.newRuntime(), target.newRuntime()];
        const graphOrigin = new URL(kit.t.sandbox.settings.GRAPH_ENDPOINT!).origin;
        const realFetch = globalThis.fetch;
        const graphUrls: URL[] = [];
        globalThis.fetch = (input, init) => {
            const url = new URL(input instanceof Request ? input.url : input);
            if (url.origin === graphOrigin) graphUrls.push(url);
            return realFetch(input, init);
        };
        const ids = new Set<string>();
        try {
            let query = 'top=7&select=id,department';
            for (let page = 0; page < 20; page += 1) {
                const response = await kit.t.invoke(query, instances[page % 2]!);
                assert.equal(response.status, 200, JSON.stringify(response.json));
                for (const user of response.json.value as { id: string; department?: unknown }[]) {
                    ids.add(user.id);
                    assert.ok('department' in user, 'the select travels in the token');
                }
                const next = response.json.nextPageToken;
                if (typeof next !== 'string') break;
                query = `pageToken=${encodeURIComponent(next)}`;
            }
        } finally {
            globalThis.fetch = realFetch;
        }
        assert.equal(ids.size, USERS);
        assert.equal(graphUrls.length, Math.ceil(USERS / 7));
        for (const url of graphUrls) {
            assert.equal(url.pathname, '/v1.0/users');
            assert.equal(url.searchParams.get('$top'), '7');
            assert.equal(url.searchParams.get('$select'), 'id,department');
        }
        for (const url of graphUrls.slice(1)) assert.deepEqual([...url.searchParams.keys()], ['$top', '$select', '$skiptoken']);
        const { ring } = await readRing(target.container);
        assert.equal(ring.schemaVersion, 1);
        assert.equal(ring.keys.length, 1);
    });

    it('concurrent first use by several instances creates exactly one ring, whose key every instance uses', async () => {
        const target = await kit.newTarget();
        const instances = Array.from({ length: 6 }, () => target.newRuntime());
        const first = await Promise.all(instances.map((r) => kit.t.invoke('top=3', r)));
        assert.deepEqual(new Set(first.map((r) => r.status)), new Set([200]));
        const { ring } = await readRing(target.container);
        assert.equal(ring.keys.length, 1);
        assert.deepEqual(new Set(first.map((r) => keyIdOf(r.json.nextPageToken))), new Set([ring.keys[0]!.id]));
        // Each token is accepted by the next instance.
        const next = await Promise.all(
            first.map((r, i) => kit.t.invoke(`pageToken=${encodeURIComponent(String(r.json.nextPageToken))}`, instances[(i + 1) % 6]!)),
        );
        assert.deepEqual(new Set(next.map((r) => r.status)), new Set([200]));
    });

    it('tokens survive a client-secret rotation (the keys do not depend on the credential)', async () => {
        const target = await kit.newTarget();
        const before = await kit.t.invoke('top=5', target.newRuntime());
        const token = encodeURIComponent(String(before.json.nextPageToken));
        await kit.t.sandbox.rotateSecret({ revokeOld: true });
        const after = await kit.t.invoke(`pageToken=${token}`, target.newRuntime());
        assert.equal(after.status, 200, JSON.stringify(after.json));
        assert.equal((after.json.value as unknown[]).length, 5);
    });

    it('a rotation adds a key; tokens sealed with the old key stay valid on every instance', async () => {
        const target = await kit.newTarget();
        const oldInstance = target.newRuntime();
        const oldToken = (await kit.t.invoke('top=4', oldInstance)).json.nextPageToken;
        // Age the ring's only key past the rotation period, as 8 days of wall time would.
        const { ring, etag } = await readRing(target.container);
        const aged = { ...ring, keys: ring.keys.map((k) => ({ ...k, createdAt: new Date(Date.now() - 8 * DAY_MS).toISOString() })) };
        const body = JSON.stringify(aged);
        await target.container
            .getBlockBlobClient(PAGE_TOKEN_KEY_RING_BLOB)
            .upload(body, Buffer.byteLength(body), { conditions: { ifMatch: etag } });

        const newInstance = target.newRuntime();
        const newToken = (await kit.t.invoke('top=4', newInstance)).json.nextPageToken;
        const rotated = (await readRing(target.container)).ring;
        assert.deepEqual(
            rotated.keys.map((k) => k.id),
            [keyIdOf(oldToken), keyIdOf(newToken)],
        );
        // The new instance accepts the old key; the old instance re-reads once to learn the new one.
        assert.equal((await kit.t.invoke(`pageToken=${encodeURIComponent(String(oldToken))}`, newInstance)).status, 200);
        assert.equal((await kit.t.invoke(`pageToken=${encodeURIComponent(String(newToken))}`, oldInstance)).status, 200);
    });

    it('retention never touches the key ring', async () => {
        const target = await kit.newTarget();
        await target.run();
        await kit.t.invoke('top=2', target.newRuntime());
        const deleted = await applyRetention({
            store: target.exportRuntime().store,
            retentionDays: 1,
            now: new Date(Date.now() + 400 * DAY_MS),
        });
        assert.equal(deleted, 0, 'the only snapshot is the one latest.json names');
        assert.ok(await target.container.getBlobClient(PAGE_TOKEN_KEY_RING_BLOB).exists());
    });

    it('storage down: a typed 503 with Retry-After and a hint, and a token is not even tried on Graph', async () => {
        const probe = createServer().listen(0, '127.0.0.1');
        await once(probe, 'listening');
        const { port } = probe.address() as { port: number };
        probe.close();
        await once(probe, 'close');
        const down = kit.azurite.connectionString.replace(kit.azurite.blobEndpoint, `http://127.0.0.1:${port}/devstoreaccount1`);
        const runtime = createRuntime(
            { ...kit.t.sandbox.settings, USERS_EXPORT_STORAGE: down, USERS_EXPORT_CONTAINER: 'keys-down' },
            { retry: fastRetry, logger: kit.t.logs.logger('runtime') },
        );
        const first = await kit.t.invoke('top=2', runtime);
        assert.equal(first.status, 503);
        assert.equal(first.json.code, 'PageTokenKeysUnavailable');
        assert.equal((first.headers as Record<string, string>)['Retry-After'], '30');
        assert.equal(first.json.hint, undefined);
        // The operator's log has the detail and the fix under the invocation id the caller got.
        const line = kit.t.logs.lines.find(
            (l) => l.includes('PageTokenKeysUnavailable:') && l.includes(`invocationId ${first.invocationId}`),
        );
        assert.match(line ?? '', /keys\/page-tokens\.json.*Fix: .*USERS_EXPORT_STORAGE/);

        const target = await kit.newTarget();
        const token = (await kit.t.invoke('top=2', target.newRuntime())).json.nextPageToken;
        const graphBefore = kit.t.sandbox.requests.filter((r) => r.service === 'graph').length;
        const refused = await kit.t.invoke(`pageToken=${encodeURIComponent(String(token))}`, runtime);
        assert.equal(refused.status, 503);
        assert.equal(refused.json.code, 'PageTokenKeysUnavailable');
        assert.equal(kit.t.sandbox.requests.filter((r) => r.service === 'graph').length, graphBefore);
    });

    it('no export storage: keys live in the process, with one warning; another instance refuses its tokens', async () => {
        const logs = new LogCapture();
        const local = kit.t.newRuntime({ logger: logs.logger('local') });
        const other = kit.t.newRuntime({ logger: logs.logger('other') });
        const first = await kit.t.invoke('top=3', local);
        const token = encodeURIComponent(String(first.json.nextPageToken));
        assert.equal((await kit.t.invoke(`pageToken=${token}`, local)).status, 200);
        assert.equal((await kit.t.invoke('top=3', local)).status, 200);
        const refused = await kit.t.invoke(`pageToken=${token}`, other);
        assert.equal(refused.status, 400);
        assert.match(String(refused.json.detail), /request the first page again/);
        const warnings = logs.lines.filter((l) => l.startsWith('[local warn]'));
        assert.equal(warnings.length, 1);
        assert.match(warnings[0]!, /USERS_EXPORT_STORAGE.*page-token keys live in this process only/);
    });
});
