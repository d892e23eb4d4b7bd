/**
 * Incremental exports with Graph delta query, end to end: the sandbox's `/users/delta` through the
 * real SDKs, Azurite through @azure/storage-blob. Every fallback to a full read is a named test.
 */
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { loadExportSettings } from '../../src/config/ExportSettings.js';
import { AppError } from '../../src/errors/AppError.js';
import { applyRetention } from '../../src/export/applyRetention.js';
import { parseDeltaState, type DeltaState } from '../../src/export/DeltaState.js';
import type { FullReadReason } from '../../src/export/FullReadReason.js';
import { runSnapshotExport } from '../../src/export/runSnapshotExport.js';
import type { SnapshotManifest } from '../../src/export/SnapshotManifest.js';
import { createExportRuntime } from '../../src/runtime/createExportRuntime.js';
import type { DeltaExpiryAnswer } from '../../sandbox/index.js';
import { hygiene } from '../support/hygieneGuard.js';
import { freshFullRead, snapshotRecords, sortedRecords, type UserRecords } from '../support/snapshotRecords.js';
import { sha256, startExportTestKit, type ExportTarget, type ExportTestKit } from '../support/startExportTestKit.js';

const USERS = 3000;
/** The default USERS_EXPORT_SELECT, as the registry says. */
const SELECT = loadExportSettings({}).select;
let kit: ExportTestKit;

before(async () => {
    kit = await startExportTestKit({ userCount: USERS });
});
after(() => kit.close());

async function state(target: ExportTarget): Promise<DeltaState> {
    const stored = await target.deltaState();
    assert.ok(stored !== undefined, 'delta-state.json exists');
    return parseDeltaState(stored.text);
}

async function writeState(target: ExportTarget, edit: (s: DeltaState) => unknown): Promise<void> {
    const text = `${JSON.stringify(edit(await state(target)))}\n`;
    await target.container.getBlockBlobClient('delta-state.json').upload(text, Buffer.byteLength(text));
}

/** The stored snapshot equals a fresh full read of the directory, as a set of records; returns its records. */
async function assertMatchesDirectory(target: ExportTarget, manifest: SnapshotManifest): Promise<UserRecords> {
    const stored = await target.download(manifest.blobName);
    assert.equal(sha256(stored), manifest.sha256, 'sha256 is over the stored bytes');
    assert.equal(stored.length, manifest.bytes);
    const records = snapshotRecords(stored, manifest.gzip);
    assert.equal(records.size, manifest.userCount);
    const fresh = await freshFullRead(kit.t.newRuntime().graph, manifest.select);
    assert.deepEqual(sortedRecords(records), sortedRecords(fresh));
    return records;
}

async function assertFullRead(target: ExportTarget, reason: FullReadReason, run = () => target.run()): Promise<SnapshotManifest> {
    const { manifest } = await run();
    assert.equal(manifest.mode, 'full');
    assert.equal(manifest.fullReadReason, reason);
    assert.equal(manifest.changes, undefined);
    await assertMatchesDirectory(target, manifest);
    const next = await state(target);
    assert.equal(next.snapshot.blobName, manifest.blobName, 'the state applies to the new snapshot');
    assert.ok(
        kit.t.logs.lines.some((l) => l.includes(`(${reason})`)),
        `the reason ${reason} is logged`,
    );
    return manifest;
}

/** Applies the manifest's change file (checked against its sha256 and size) to `records`, as a consumer would. */
async function applyChangeFile(
    target: ExportTarget,
    manifest: SnapshotManifest,
    records: UserRecords,
): Promise<{ applied: UserRecords; lines: Record<string, unknown>[] }> {
    const changes = manifest.changes;
    assert.ok(changes !== undefined, 'an incremental manifest names its change file');
    const stored = await target.download(changes.blobName);
    assert.equal(sha256(stored), changes.sha256);
    assert.equal(stored.length, changes.bytes);
    const text = stored.toString('utf8').trimEnd();
    const lines = text === '' ? [] : text.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const applied = new Map(records);
    for (const line of lines) {
        assert.ok(line.op === 'upsert' || line.op === 'remove', JSON.stringify(line));
        if (line.op === 'upsert') {
            assert.equal((line.user as { id: string }).id, line.id);
            applied.set(line.id as string, line.user as Record<string, unknown>);
        } else {
            assert.ok(line.reason === 'changed' || line.reason === 'deleted', JSON.stringify(line));
            applied.delete(line.id as string);
        }
    }
    return { applied, lines };
}

/** A spread of changes: updates, creations, soft and hard deletions, a restore. */
function changeDirectory(offset: number): { updated: number; created: number; removed: number; restored: number } {
    const directory = kit.t.sandbox.directory;
    for (let i = 0; i < 40; i += 1) directory.update(offset + i * 7);
    for (let i = 0; i < 6; i += 1) directory.create();
    for (let i = 0; i < 4; i += 1) directory.softDelete(offset + 1000 + i);
    for (let i = 0; i < 3; i += 1) directory.hardDelete(offset + 1100 + i);
    // Soft-deleted before the previous run, restored now: comes back like a new user.
    directory.restore(offset + 2000);
    return { updated: 40, created: 6, removed: 7, restored: 1 };
}

describe('incremental export (Graph delta query)', () => {
    it('the first run is a full read (noState) and writes delta-state.json next to latest.json', async () => {
        const target = await kit.newTarget();
        const manifest = await assertFullRead(target, 'noState');
        assert.equal(manifest.duplicates, 0);
        const s = await state(target);
        assert.deepEqual(s.select, SELECT);
        assert.equal(new URL(s.deltaLink).origin, kit.t.sandbox.settings.GRAPH_ENDPOINT);
        assert.equal(s.snapshot.sha256, manifest.sha256);
        assert.equal(s.snapshot.userCount, manifest.userCount);
        assert.equal(s.lastFullReadAt, s.deltaLinkAt);
        const properties = await target.container.getBlobClient('delta-state.json').getProperties();
        assert.equal(properties.contentType, 'application/json');
        assert.ok(!kit.t.logs.lines.some((l) => l.includes(s.deltaLink)), 'the deltaLink is never logged');
    });

    it('a later run reads only the changes and writes the same complete snapshot, a change file and a new state', async () => {
        const target = await kit.newTarget();
        kit.t.sandbox.directory.softDelete(2000);
        const first = await assertFullRead(target, 'noState');
        const firstState = await state(target);
        const baseRecords = snapshotRecords(await target.download(first.blobName), false);
        const expected = changeDirectory(0);
        kit.t.sandbox.counters.reset();

        const { manifest } = await target.run();
        assert.equal(manifest.mode, 'incremental');
        assert.equal(manifest.fullReadReason, undefined);
        assert.deepEqual(manifest.base, { runId: first.runId, blobName: first.blobName, sha256: first.sha256 });
        const changes = manifest.changes;
        assert.ok(changes !== undefined);
        assert.equal(changes.added, expected.created + expected.restored);
        assert.equal(changes.updated, expected.updated);
        assert.equal(changes.removed, expected.removed);
        assert.ok(kit.t.sandbox.counters.graphRequests <= 3, `Graph requests: ${kit.t.sandbox.counters.graphRequests}`);
        assert.equal(manifest.graphRequests, kit.t.sandbox.counters.graphRequests);
        const records = await assertMatchesDirectory(target, manifest);

        // The change file: one change per line; applied to the base it gives the new snapshot.
        assert.match(changes.blobName, new RegExp(`^changes/\\d{4}/\\d{2}/\\d{2}/${manifest.runId}\\.ndjson$`));
        const { applied, lines } = await applyChangeFile(target, manifest, baseRecords);
        assert.equal(lines.length, changes.added + changes.updated + changes.removed);
        assert.deepEqual(sortedRecords(applied), sortedRecords(records));
        assert.equal(lines.filter((l) => l.reason === 'changed').length, 4, 'soft-deleted users are removed with reason "changed"');

        const s = await state(target);
        assert.equal(s.snapshot.blobName, manifest.blobName);
        assert.equal(s.lastFullReadAt, firstState.lastFullReadAt, 'incremental runs carry the last full read forward');
        assert.ok(Date.parse(s.deltaLinkAt) > Date.parse(firstState.deltaLinkAt));
        assert.ok(kit.t.logs.lines.some((l) => l.includes(`incremental from ${first.runId}`)));
    });

    it('after a crash between latest.json and delta-state.json, the next change file is relative to the older base its manifest names', async () => {
        const target = await kit.newTarget();
        const first = (await target.run()).manifest;
        const firstState = await target.deltaState();
        const created = kit.t.sandbox.directory.create();
        const second = (await target.run()).manifest;
        assert.equal(second.changes?.added, 1);
        // The crash: latest.json names the second snapshot, the state is still the first run's.
        await target.container
            .getBlockBlobClient('delta-state.json')
            .upload(firstState?.text ?? '', Buffer.byteLength(firstState?.text ?? ''));
        kit.t.sandbox.directory.hardDelete(created);

        const third = (await target.run()).manifest;
        assert.equal(third.mode, 'incremental');
        assert.deepEqual(third.base, { runId: first.runId, blobName: first.blobName, sha256: first.sha256 }, 'base: the older snapshot');
        const records = await assertMatchesDirectory(target, third);
        const onBase = await applyChangeFile(target, third, snapshotRecords(await target.download(first.blobName), false));
        assert.deepEqual(sortedRecords(onBase.applied), sortedRecords(records), 'applied to the base it names, it gives the new snapshot');
        // Applied to the snapshot latest.json named before (the README tells consumers not to): the removal is missed.
        const onSecond = await applyChangeFile(target, third, snapshotRecords(await target.download(second.blobName), false));
        assert.ok(onSecond.applied.has(kit.t.sandbox.directory.recordAt(created).id));
        assert.equal(onSecond.applied.size, records.size + 1);
    });

    it('replays within and across rounds are harmless: counted as duplicates, each user written once', async () => {
        const target = await kit.newTarget();
        await target.run();
        for (let i = 0; i < 30; i += 1) kit.t.sandbox.directory.update(500 + i);
        const { manifest } = await target.run();
        assert.equal(manifest.mode, 'incremental');
        assert.ok((manifest.duplicates ?? 0) > 0, `duplicates: ${manifest.duplicates}`);
        await assertMatchesDirectory(target, manifest);
        // A round with nothing new: only replays of what the snapshot already holds.
        const again = (await target.run()).manifest;
        assert.equal(again.mode, 'incremental');
        assert.deepEqual([again.changes?.added, again.changes?.updated, again.changes?.removed], [0, 0, 0]);
        await assertMatchesDirectory(target, again);
    });

    it('users delta sends without their never-set properties are written with every selected one, null where unset', async () => {
        const target = await kit.newTarget();
        await target.run();
        const d = kit.t.sandbox.directory;
        const untitled = [...Array(USERS).keys()].filter((i) => d.recordAt(i).jobTitle === null).slice(0, 3);
        assert.equal(untitled.length, 3);
        // Delta sends these without jobTitle (never set), and one with jobTitle: null (set to null).
        for (const i of untitled) d.update(i, { displayName: `Renamed ${i}` });
        const titled = [...Array(USERS).keys()].find((i) => d.recordAt(i).jobTitle !== null) ?? -1;
        d.update(titled, { jobTitle: null });
        const { manifest } = await target.run();
        assert.equal(manifest.mode, 'incremental');
        assert.equal(manifest.changes?.updated, 4);
        const records = await assertMatchesDirectory(target, manifest);
        for (const i of [...untitled, titled]) {
            const record = records.get(d.idAt(i) ?? '');
            assert.deepEqual(Object.keys(record ?? {}).sort(), [...manifest.select].sort(), 'every selected property');
            assert.equal(record?.jobTitle, null);
        }
    });

    it('a change to a property outside USERS_EXPORT_SELECT does not surface, and the snapshot still matches', async () => {
        const target = await kit.newTarget();
        await target.run();
        kit.t.sandbox.directory.update(42, { city: 'Reykjavík' });
        const { manifest } = await target.run();
        assert.equal(manifest.changes?.updated, 0);
        await assertMatchesDirectory(target, manifest);
    });

    it('changes made during a full read replay in the next round ($deltatoken=latest is taken first)', async () => {
        const target = await kit.newTarget();
        let changed = false;
        await target.run({
            onProgress: (p) => {
                if (p.phase === 'full' && !changed) {
                    changed = true;
                    // Page 1 is already read: the full read misses this change.
                    kit.t.sandbox.directory.update(3, { jobTitle: 'Changed mid-read' });
                }
            },
        });
        const { manifest } = await target.run();
        assert.equal(manifest.mode, 'incremental');
        const records = await assertMatchesDirectory(target, manifest);
        assert.equal(records.get(kit.t.sandbox.directory.idAt(3) ?? '')?.jobTitle, 'Changed mid-read');
    });

    it('gzip: the base is read through gunzip and the new snapshot and change file are gzip too', async () => {
        const target = await kit.newTarget({ USERS_EXPORT_GZIP: 'true' });
        await target.run();
        kit.t.sandbox.directory.update(11);
        const { manifest } = await target.run();
        assert.equal(manifest.mode, 'incremental');
        assert.match(manifest.blobName, /\.ndjson\.gz$/);
        assert.match(manifest.changes?.blobName ?? '', /^changes\/.*\.ndjson\.gz$/);
        await assertMatchesDirectory(target, manifest);
        const change = gunzipSync(await target.download(manifest.changes?.blobName ?? '')).toString('utf8');
        assert.equal(change.trimEnd().split('\n').length, 1);
    });
});

describe('full read instead of incremental, one test per reason', () => {
    it('forced: graph-users export --full', async () => {
        const target = await kit.newTarget();
        await target.run();
        await assertFullRead(target, 'forced', () => target.run({ full: true }));
    });

    it('stateUnreadable: delta-state.json is not JSON', async () => {
        const target = await kit.newTarget();
        await target.run();
        await target.container.getBlockBlobClient('delta-state.json').upload('{not json', 9);
        await assertFullRead(target, 'stateUnreadable');
    });

    it('selectChanged: USERS_EXPORT_SELECT differs from the select the deltaLink was made with', async () => {
        const target = await kit.newTarget();
        await target.run();
        const env = { ...target.env, USERS_EXPORT_SELECT: 'displayName,mail' };
        const run = () =>
            runSnapshotExport({ graph: kit.t.newRuntime().graph, ...createExportRuntime(env), logger: kit.t.logs.logger('export') });
        const manifest = await assertFullRead(target, 'selectChanged', run);
        assert.deepEqual(manifest.select, ['id', 'displayName', 'mail']);
        assert.equal((await run()).manifest.mode, 'incremental', 'the next run with the same select is incremental again');
    });

    it('tenantChanged: the state was taken in another tenant; its deltaLink is never followed', async () => {
        const target = await kit.newTarget();
        await target.run();
        // Same container, another GRAPH_TENANT_ID when the state was written (the sandbox has one tenant, so the state moves instead).
        await writeState(target, (s) => ({ ...s, tenantId: 'fabrikam.onmicrosoft.com' }));
        kit.t.sandbox.clearRequestLog();
        await assertFullRead(target, 'tenantChanged');
        const deltaRequests = kit.t.sandbox.requests.filter((r) => r.service === 'graph' && r.path === '/v1.0/users/delta');
        assert.equal(deltaRequests.length, 1, "only the full read's $deltatoken=latest: the other tenant's deltaLink got no request");
        assert.equal((await state(target)).tenantId, kit.t.sandbox.tenantId, 'the new state names this tenant');
        // Written in another case, a tenant id is the same tenant.
        await writeState(target, (s) => ({ ...s, tenantId: s.tenantId.toUpperCase() }));
        kit.t.sandbox.directory.update(8);
        assert.equal((await target.run()).manifest.mode, 'incremental');
    });

    it('graphEndpointChanged: the stored deltaLink points at another origin, which never gets a request', async () => {
        const target = await kit.newTarget();
        await target.run();
        await writeState(target, (s) => ({ ...s, deltaLink: s.deltaLink.replace(new URL(s.deltaLink).origin, 'https://graph.example') }));
        kit.t.sandbox.clearRequestLog();
        await assertFullRead(target, 'graphEndpointChanged');
    });

    it('fullReadDue: the last full read is USERS_EXPORT_FULL_EVERY_DAYS old', async () => {
        const target = await kit.newTarget({ USERS_EXPORT_FULL_EVERY_DAYS: '3' });
        await target.run();
        const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000 - 1000).toISOString();
        await writeState(target, (s) => ({ ...s, lastFullReadAt: new Date(Date.now() - 2 * 86_400_000).toISOString() }));
        assert.equal((await target.run()).manifest.mode, 'incremental', 'two days old is not due yet');
        await writeState(target, (s) => ({ ...s, lastFullReadAt: threeDaysAgo }));
        await assertFullRead(target, 'fullReadDue');
    });

    for (const answer of ['syncStateNotFound', 'gone', 'resyncRequired'] as const satisfies readonly DeltaExpiryAnswer[]) {
        it(`deltaTokenExpired: Graph answers ${answer}`, async () => {
            const target = await kit.newTarget();
            await target.run();
            kit.t.sandbox.directory.update(77);
            kit.t.sandbox.expireDeltaTokens(answer);
            await assertFullRead(target, 'deltaTokenExpired');
            assert.ok(kit.t.logs.lines.some((l) => l.includes(`Graph answered ${answer}`)));
        });
    }

    it('deltaTokenExpired mid-round: the token expires after the first of several delta pages', async () => {
        const target = await kit.newTarget();
        await target.run();
        for (let i = 0; i < 900; i += 1) kit.t.sandbox.directory.update(i * 3);
        let expired = false;
        const manifest = await assertFullRead(target, 'deltaTokenExpired', () =>
            target.run({
                onProgress: (p) => {
                    if (p.phase === 'delta' && !expired) {
                        expired = true;
                        kit.t.sandbox.expireDeltaTokens('gone');
                    }
                },
            }),
        );
        assert.ok(expired);
        assert.equal(manifest.mode, 'full');
    });

    it('deltaTokenRejected: Graph refuses a tampered deltaLink outright (400)', async () => {
        const target = await kit.newTarget();
        await target.run();
        await writeState(target, (s) => ({ ...s, deltaLink: `${s.deltaLink.slice(0, -4)}AAAA` }));
        await assertFullRead(target, 'deltaTokenRejected');
    });

    it('baseSnapshotMissing: the snapshot the state applies to was deleted', async () => {
        const target = await kit.newTarget();
        const { manifest } = await target.run();
        await target.container.getBlobClient(manifest.blobName).delete();
        kit.t.sandbox.directory.update(5);
        await assertFullRead(target, 'baseSnapshotMissing');
    });

    for (const gzip of [false, true]) {
        it(`baseSnapshotCorrupt: the base fails its sha256 check${gzip ? ' (gzip: not even valid gzip)' : ''}`, async () => {
            const target = await kit.newTarget({ USERS_EXPORT_GZIP: String(gzip) });
            const { manifest } = await target.run();
            const stored = await target.download(manifest.blobName);
            // One byte changed inside a value: still NDJSON, but not what the state's sha256 says.
            const corrupted = Buffer.from(stored);
            const at = gzip ? 20 : corrupted.indexOf('"displayName":"') + 16;
            corrupted[at] = (corrupted[at] ?? 0) ^ 0x01;
            await target.container.getBlockBlobClient(manifest.blobName).upload(corrupted, corrupted.length);
            kit.t.sandbox.directory.update(6);
            const full = await assertFullRead(target, 'baseSnapshotCorrupt');
            assert.deepEqual(await target.snapshotNames(), [manifest.blobName, full.blobName].sort(), 'the aborted merge left nothing');
        });
    }

    it('tooManyChanges: the round outgrows what an incremental run holds in memory', async () => {
        const target = await kit.newTarget();
        await target.run();
        for (let i = 0; i < 50; i += 1) kit.t.sandbox.directory.update(1500 + i);
        await assertFullRead(target, 'tooManyChanges', () => target.run({ changeLimits: { maxChanges: 20, maxChangeBytes: 1 << 30 } }));
    });
});

describe('duplicates and paging faults', () => {
    it('a user Graph sends twice in a full read is written once, and the manifest counts it', async () => {
        const target = await kit.newTarget();
        kit.t.sandbox.faults.graph.duplicateUsers(2);
        const { manifest } = await target.run();
        kit.t.sandbox.faults.graph.clear();
        assert.equal(manifest.duplicates, 2);
        await assertMatchesDirectory(target, manifest);
    });

    for (const mode of ['full', 'incremental'] as const) {
        it(`a repeated nextLink in a ${mode} read stops the run with GraphRepeatedNextLink, never an endless loop`, async () => {
            const target = await kit.newTarget();
            await target.run();
            const latest = await target.latest();
            const stateBefore = await target.deltaState();
            if (mode === 'incremental') for (let i = 0; i < 600; i += 1) kit.t.sandbox.directory.update(i * 4);
            kit.t.sandbox.faults.graph.repeatNextLink(1);
            kit.t.sandbox.counters.reset();
            await assert.rejects(target.run({ full: mode === 'full' }), (e: unknown) => {
                hygiene.recordError(e);
                return e instanceof AppError && e.code === 'GraphRepeatedNextLink' && e.status === 502 && e.hint !== undefined;
            });
            kit.t.sandbox.faults.graph.clear();
            assert.ok(kit.t.sandbox.counters.graphRequests <= 6, `Graph requests: ${kit.t.sandbox.counters.graphRequests}`);
            assert.deepEqual(await target.latest(), latest);
            assert.deepEqual(await target.deltaState(), stateBefore);
        });
    }
});

describe('retention with delta state', () => {
    it('prunes old change files by the same rule and never deletes the base the delta state needs', async () => {
        const target = await kit.newTarget({ USERS_EXPORT_RETENTION_DAYS: '30' });
        const day = (daysAgo: number): string =>
            new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '/');
        const { manifest } = await target.run();
        // A base written 60 days ago, named as the export names it (the state refuses any other name).
        const baseRunId = `${day(60).replaceAll('/', '')}T060000Z-0123abcd`;
        const base = `snapshots/${day(60)}/${baseRunId}.ndjson`;
        const stored = await target.download(manifest.blobName);
        await target.container.getBlockBlobClient(base).upload(stored, stored.length);
        await writeState(target, (s) => ({ ...s, snapshot: { ...s.snapshot, runId: baseRunId, blobName: base } }));
        const oldChanges = `changes/${day(45)}/old.ndjson`;
        const recentChanges = `changes/${day(2)}/recent.ndjson`;
        for (const name of [oldChanges, recentChanges]) await target.container.getBlockBlobClient(name).upload('{}\n', 3);

        const { store } = target.exportRuntime();
        await applyRetention({ store, retentionDays: 30, now: new Date() });
        assert.deepEqual(await target.snapshotNames('changes/'), [recentChanges]);
        assert.ok((await target.snapshotNames()).includes(base), 'the base named by the state is kept');
        // And the next run merges into that old base.
        kit.t.sandbox.directory.update(9);
        const next = (await target.run()).manifest;
        assert.equal(next.base?.blobName, base);
        await assertMatchesDirectory(target, next);
    });
});
