/**
 * The export end to end: the sandbox's Graph through the real SDKs, Azurite from npm through
 * @azure/storage-blob. Each test writes to its own container.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ExportConflictError } from '../../src/errors/errorClasses.js';
import { applyRetention } from '../../src/export/applyRetention.js';
import { parseManifest, type SnapshotManifest } from '../../src/export/SnapshotManifest.js';
import { newRunId, snapshotName } from '../../src/export/snapshotName.js';
import { sha256, snapshotIds, startExportTestKit, type ExportTarget, type ExportTestKit } from '../support/startExportTestKit.js';

const USERS = 10_000;
let kit: ExportTestKit;

before(async () => {
    kit = await startExportTestKit({ userCount: USERS });
});
after(() => kit.close());

async function assertConsistent(target: ExportTarget, gzip = false): Promise<SnapshotManifest> {
    const latest = await target.latest();
    assert.ok(latest !== undefined, 'latest.json exists');
    const manifest = parseManifest(latest.text, 'latest.json');
    const stored = await target.download(manifest.blobName);
    assert.equal(sha256(stored), manifest.sha256, 'sha256 is over the stored bytes');
    assert.equal(stored.length, manifest.bytes);
    assert.equal(snapshotIds(stored, gzip).length, manifest.userCount);
    return manifest;
}

describe('snapshot export to blob storage', () => {
    for (const gzip of [false, true]) {
        it(`exports ${USERS} users, each id exactly once, with a matching manifest${gzip ? ' (gzip)' : ''}`, async () => {
            const target = await kit.newTarget({ USERS_EXPORT_GZIP: String(gzip) });
            const result = await target.run();
            const manifest = await assertConsistent(target, gzip);
            assert.deepEqual(manifest, result.manifest);
            assert.equal(manifest.schemaVersion, 1);
            assert.equal(manifest.userCount, USERS);
            assert.equal(manifest.pageCount, 11);
            assert.ok(manifest.graphRequests >= 11);
            assert.equal(manifest.gzip, gzip);
            assert.match(
                manifest.blobName,
                gzip ? /^snapshots\/\d{4}\/\d{2}\/\d{2}\/[^/]+\.ndjson\.gz$/ : /^snapshots\/\d{4}\/\d{2}\/\d{2}\/[^/]+\.ndjson$/,
            );
            assert.ok(manifest.blobName.includes(manifest.runId));
            assert.ok(Date.parse(manifest.finishedAt) >= Date.parse(manifest.startedAt));
            const ids = snapshotIds(await target.download(manifest.blobName), gzip);
            const expected = Array.from({ length: USERS }, (_, i) => kit.t.sandbox.userAt(i).id);
            assert.equal(new Set(ids).size, USERS, 'no duplicates');
            assert.deepEqual([...ids].sort(), expected.sort());
            const properties = await target.container.getBlobClient(manifest.blobName).getProperties();
            assert.equal(properties.contentType, gzip ? 'application/gzip' : 'application/x-ndjson');
        });
    }

    it('writes the select set from USERS_EXPORT_SELECT, with id always included', async () => {
        const target = await kit.newTarget({ USERS_EXPORT_SELECT: 'displayName,department' });
        const { manifest } = await target.run();
        assert.deepEqual(manifest.select, ['id', 'displayName', 'department']);
        const first = (await target.download(manifest.blobName)).toString('utf8').split('\n', 1)[0] ?? '';
        assert.deepEqual(Object.keys(JSON.parse(first) as object).sort(), ['department', 'displayName', 'id']);
    });

    it('a Graph failure after 4 pages leaves latest.json and the snapshot list unchanged', async () => {
        const target = await kit.newTarget();
        await target.run();
        const before = await target.latest();
        const namesBefore = await target.snapshotNames();
        assert.equal(namesBefore.length, 1);

        kit.t.sandbox.faults.graph.failAfterPages(4, 1, 500);
        await assert.rejects(target.run({ full: true }), (e: Error & { code?: string }) => e.code === 'GraphUnavailable');
        kit.t.sandbox.faults.graph.clear();

        assert.deepEqual(await target.latest(), before, 'latest.json is byte-for-byte the previous one');
        assert.deepEqual(await target.snapshotNames(), namesBefore, 'no new committed snapshot is visible');
        await assertConsistent(target);
    });

    it('a failure in the first ever run writes no latest.json and no snapshot', async () => {
        const target = await kit.newTarget();
        kit.t.sandbox.faults.graph.failAfterPages(2, 1, 500);
        await assert.rejects(target.run());
        kit.t.sandbox.faults.graph.clear();
        assert.equal(await target.latest(), undefined);
        assert.deepEqual(await target.snapshotNames(), []);
    });

    for (const previous of [true, false]) {
        it(`two overlapping runs: one wins consistently, the loser gets ExportConflict and removes its snapshot (${previous ? 'ifMatch' : 'ifNoneMatch'})`, async () => {
            const target = await kit.newTarget();
            if (previous) await target.run();
            const namesBefore = await target.snapshotNames();
            // Slow pages make sure both runs read latest.json before either writes it.
            kit.t.sandbox.faults.graph.latencyMs = 20;
            const results = await Promise.allSettled([target.run(), target.run()]);
            kit.t.sandbox.faults.graph.clear();

            const won = results.filter((r) => r.status === 'fulfilled');
            const lost = results.filter((r) => r.status === 'rejected');
            assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
            assert.equal(lost.length, 1);
            const reason: unknown = lost[0]?.reason;
            assert.ok(reason instanceof ExportConflictError, String(reason));
            assert.equal(reason.code, 'ExportConflict');
            assert.equal(reason.status, 409);

            const manifest = await assertConsistent(target);
            assert.equal(manifest.runId, won[0]?.value.manifest.runId);
            assert.equal(manifest.userCount, USERS);
            assert.deepEqual(await target.snapshotNames(), [...namesBefore, manifest.blobName].sort(), "the loser's snapshot is gone");
        });
    }

    it('retention deletes snapshots older than USERS_EXPORT_RETENTION_DAYS, never the one latest.json names', async () => {
        const target = await kit.newTarget({ USERS_EXPORT_RETENTION_DAYS: '30' });
        // Azurite cannot back-date Last-Modified; retention reads the age from the date in the name.
        const day = (daysAgo: number): string =>
            new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '/');
        const old = [`snapshots/${day(45)}/old-a.ndjson`, `snapshots/${day(31)}/old-b.ndjson.gz`];
        const recent = [`snapshots/${day(29)}/recent.ndjson`, `snapshots/${day(0)}/today.ndjson`];
        const foreign = ['snapshots/notes.txt', `snapshots/${day(400)}/readme.md`];
        const longAgo = new Date(Date.now() - 90 * 86_400_000);
        const namedRunId = newRunId(longAgo);
        const namedByLatest = snapshotName(longAgo, namedRunId, false);
        const { manifest: real } = await target.run();
        for (const name of [...old, ...recent, ...foreign, namedByLatest]) {
            await target.container.getBlockBlobClient(name).upload('{}\n', 3);
        }
        const { store } = target.exportRuntime();
        const manifest: SnapshotManifest = { ...real, runId: namedRunId, blobName: namedByLatest, gzip: false };
        await store.writeManifest(manifest, (await store.readManifest())?.etag);

        const deleted = await applyRetention({ store, retentionDays: 30, now: new Date() });
        assert.equal(deleted, old.length);
        const names = await target.snapshotNames();
        for (const name of old) assert.ok(!names.includes(name), `${name} deleted`);
        for (const name of [...recent, ...foreign, namedByLatest, real.blobName]) assert.ok(names.includes(name), `${name} kept`);
    });

    it('an export run applies retention after writing latest.json', async () => {
        const target = await kit.newTarget({ USERS_EXPORT_RETENTION_DAYS: '1' });
        await target.container.getBlockBlobClient('snapshots/2020/01/01/ancient.ndjson').upload('{}\n', 3);
        const result = await target.run();
        assert.equal(result.deletedSnapshots, 1);
        assert.deepEqual(await target.snapshotNames(), [result.manifest.blobName]);
    });
});
