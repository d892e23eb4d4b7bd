/**
 * The folder store's lock file (`graph-users export --to DIR`): who holds it is written into it,
 * a lock left by a process that is gone or that is older than the bound is taken over, and a
 * lock that is really held is a conflict that names the file. `graph-users export --to DIR` after
 * such a crash is tested end to end in test/integration/cli.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { AppError } from '../../src/errors/AppError.js';
import { FolderSnapshotStore } from '../../src/export/FolderSnapshotStore.js';
import { LOCK_STALE_AFTER_MS } from '../../src/export/LockFile.js';
import type { SnapshotManifest } from '../../src/export/SnapshotManifest.js';
import { startNodeChild } from '../support/runNodeChild.js';

const HOLDER = fileURLToPath(new URL('./fixtures/holdLockFile.js', import.meta.url));

/** A run's id and snapshot name as the export makes them (a manifest naming anything else is refused). */
const run = (n: number): Pick<SnapshotManifest, 'runId' | 'blobName'> => {
    const runId = `20260101T000000Z-${n.toString(16).padStart(8, '0')}`;
    return { runId, blobName: `snapshots/2026/01/01/${runId}.ndjson` };
};

const manifest: SnapshotManifest = {
    schemaVersion: 1,
    ...run(0),
    contentType: 'application/x-ndjson',
    gzip: false,
    userCount: 0,
    pageCount: 1,
    bytes: 0,
    sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    select: ['id'],
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    durationMs: 1000,
    graphRequests: 1,
};

interface LockSpec {
    readonly pid: number;
    readonly host: string;
    /** Age by the writer's clock (createdAt). */
    readonly ageMs: number;
    /** Age by the file's time; default: the same, as when the writer's clock agrees with ours. */
    readonly fileAgeMs?: number;
}

/** A lock file as a writer `ageMs` ago left it. */
async function writeLock(path: string, owner: LockSpec): Promise<void> {
    const createdAt = new Date(Date.now() - owner.ageMs).toISOString();
    await writeFile(path, `${JSON.stringify({ pid: owner.pid, host: owner.host, createdAt, nonce: 'n' })}\n`);
    const modified = new Date(Date.now() - (owner.fileAgeMs ?? owner.ageMs));
    await utimes(path, modified, modified);
}

describe('the folder store lock', () => {
    let dir: string;
    let store: FolderSnapshotStore;
    let lock: string;
    beforeEach(async () => {
        dir = await mkdtemp(join(tmpdir(), 'graph-users-lock-'));
        store = new FolderSnapshotStore(dir);
        await store.prepare();
        lock = join(dir, 'latest.json.lock');
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    async function assertTakenOver(): Promise<void> {
        await store.writeManifest(manifest, undefined);
        assert.equal((await store.readManifest())?.manifest.runId, run(0).runId);
        assert.deepEqual(
            (await readdir(dir)).filter((f) => f.includes('lock')),
            [],
            'no lock (and no lock set aside) is left',
        );
    }

    async function assertHeld(holder: RegExp): Promise<void> {
        const before = await readFile(lock, 'utf8');
        await assert.rejects(store.writeManifest(manifest, undefined), (e: unknown) => {
            assert.ok(e instanceof AppError && e.code === 'ExportConflict' && e.status === 409);
            assert.ok(e.message.includes(lock) && holder.test(e.message), e.message);
            assert.ok(e.hint?.includes(`delete ${lock}`) === true, e.hint);
            return true;
        });
        assert.equal(await readFile(lock, 'utf8'), before, 'a held lock is left alone');
        assert.equal(await store.readManifest(), undefined);
    }

    it('holds who took it; a holder killed while holding it leaves a lock that is taken over at once', async () => {
        const holder = startNodeChild([HOLDER, lock]);
        await holder.untilStdout('locked');
        const owner = JSON.parse(await readFile(lock, 'utf8')) as Record<string, unknown>;
        assert.deepEqual([owner.pid, owner.host], [holder.pid, hostname()]);
        assert.ok(typeof owner.createdAt === 'string' && !Number.isNaN(Date.parse(owner.createdAt)));
        assert.ok(typeof owner.nonce === 'string' && owner.nonce !== '');
        await assertHeld(new RegExp(`process ${holder.pid} on host`));
        assert.equal((await holder.kill()).signal, 'SIGKILL');
        await assertTakenOver();
    });

    it('a lock of a running process on this host is held: a conflict naming the lock file and its holder', async () => {
        await writeLock(lock, { pid: process.pid, host: hostname(), ageMs: 1000 });
        await assertHeld(new RegExp(`process ${process.pid} on host`));
    });

    it('a fresh lock from another host is held (its pid cannot be checked); past the bound it is taken over', async () => {
        await writeLock(lock, { pid: 1, host: 'other-host.example', ageMs: 1000 });
        await assertHeld(/on host other-host\.example/);
        await writeLock(lock, { pid: 1, host: 'other-host.example', ageMs: LOCK_STALE_AFTER_MS + 1000 });
        await assertTakenOver();
    });

    it("another host's clock cannot expire a live lock: old by its createdAt but fresh on disk, it is held; a createdAt ahead of ours defers to the file's age", async () => {
        await writeLock(lock, { pid: 1, host: 'other-host.example', ageMs: LOCK_STALE_AFTER_MS + 60_000, fileAgeMs: 1000 });
        await assertHeld(/on host other-host\.example/);
        await writeLock(lock, { pid: 1, host: 'other-host.example', ageMs: -60_000, fileAgeMs: LOCK_STALE_AFTER_MS + 1000 });
        await assertTakenOver();
    });

    it('a running pid past the bound is taken over (a pid reused since the holder died)', async () => {
        await writeLock(lock, { pid: process.pid, host: hostname(), ageMs: LOCK_STALE_AFTER_MS + 1000 });
        await assertTakenOver();
    });

    it('an empty lock (an older version, or a process killed before writing it) is judged by its age', async () => {
        await writeFile(lock, '');
        await assertHeld(/an unknown writer since/);
        const old = new Date(Date.now() - LOCK_STALE_AFTER_MS - 1000);
        await utimes(lock, old, old);
        await assertTakenOver();
    });

    it('the delta state write reports a held lock by name; latest.json is not blocked by it', async () => {
        const stateLock = join(dir, 'delta-state.json.lock');
        await writeLock(stateLock, { pid: process.pid, host: hostname(), ageMs: 0 });
        const conflict = await store.writeDeltaState('{}\n', undefined);
        assert.ok(conflict?.detail.includes(stateLock) === true, conflict?.detail);
        assert.equal(conflict.lock?.file, stateLock);
        await store.writeManifest(manifest, undefined);
        assert.deepEqual(
            (await readdir(dir)).filter((f) => f.includes('lock')),
            ['delta-state.json.lock'],
        );
    });

    for (const stale of [false, true]) {
        it(`concurrent writers${stale ? ', all finding a stale lock to take over' : ''}: exactly one replaces the document, the others conflict`, async () => {
            await store.writeManifest(manifest, undefined);
            const stored = await store.readManifest();
            for (let round = 0; round < 50; round += 1) {
                if (stale) await writeLock(lock, { pid: 1, host: 'other-host.example', ageMs: LOCK_STALE_AFTER_MS + 1000 });
                const expected = (await store.readManifest())?.etag;
                const results = await Promise.allSettled(
                    Array.from({ length: 8 }, (_, i) => store.writeManifest({ ...manifest, ...run(1 + round * 8 + i) }, expected)),
                );
                assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, `round ${round}`);
                for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as AppError).code, 'ExportConflict');
                assert.deepEqual(
                    (await readdir(dir)).filter((f) => f.includes('lock')),
                    [],
                );
            }
            assert.notEqual((await store.readManifest())?.etag, stored?.etag);
        });
    }
});
