/**
 * An incremental run holds the round's changes and a few chunks of the base snapshot at a time,
 * whatever the directory's size. Each run is in a child process (with the Functions worker's V8
 * flags) reporting its peak RSS; the sandbox and Azurite stay in this one. Memory only: no timing
 * assertions.
 *
 * Two cases: the 1,000,000-user base with 10,000 changes (nothing grows with the
 * directory), and the change bound itself: the widest select, just under both caps (count and
 * bytes) at once, which is the most an incremental run may ever hold.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultChangeLimits } from '../../src/export/ChangeLimits.js';
import { selectableUserProperties } from '../../src/users/userProperties.js';
import type { SandboxUserRecord } from '../../sandbox/index.js';
import { exportInChild } from '../support/exportInChild.js';
import { workerNodeArguments } from '../support/workerNodeArguments.js';
import { sha256, startExportTestKit, type ExportTestKit } from '../support/startExportTestKit.js';

/**
 * The documented bound (README, "Memory"), for both cases. A run that held the base snapshot or
 * the directory's records, or the changes as one JS object and string per user, fails it.
 */
const MAX_RSS_MB = 256;

describe('incremental export memory: a large directory, few changes', () => {
    const USERS = 1_000_000;
    const CHANGES = 10_000;
    let kit: ExportTestKit;
    before(async () => {
        kit = await startExportTestKit({ userCount: USERS });
        // Replays off: the change count below is then exact.
        kit.t.sandbox.setDeltaReplays(false);
    });
    after(() => kit.close());

    it(`merges ${CHANGES} changes into a ${USERS}-user snapshot with peak RSS under ${MAX_RSS_MB} MB`, async () => {
        const target = await kit.newTarget();
        const full = await exportInChild(target, { flags: workerNodeArguments, full: true });
        assert.equal(full.manifest.userCount, USERS);

        const directory = kit.t.sandbox.directory;
        for (let i = 0; i < CHANGES - 1000; i += 1) directory.update(i * 97);
        for (let i = 0; i < 500; i += 1) directory.create();
        for (let i = 0; i < 250; i += 1) directory.softDelete(i * 97 + 1);
        for (let i = 0; i < 250; i += 1) directory.hardDelete(i * 97 + 2);

        const { manifest, timings, maxRssKb } = await exportInChild(target, { flags: workerNodeArguments });
        const peakMb = maxRssKb / 1024;
        const mergeRate = USERS / ((timings.mergeMs ?? Number.NaN) / 1000);
        console.log(
            `incremental run over ${USERS} users with ${CHANGES} changes: peak RSS ${peakMb.toFixed(1)} MB (full read: ${(full.maxRssKb / 1024).toFixed(1)} MB), merge ${Math.round(mergeRate)} users/s`,
        );
        assert.equal(manifest.mode, 'incremental');
        assert.deepEqual([manifest.changes?.added, manifest.changes?.updated, manifest.changes?.removed], [500, CHANGES - 1000, 500]);
        assert.equal(manifest.userCount, USERS);
        assert.equal(sha256(await target.download(manifest.blobName)), manifest.sha256);
        assert.ok(peakMb < MAX_RSS_MB, `peak RSS ${peakMb.toFixed(1)} MB >= ${MAX_RSS_MB} MB`);
    });
});

describe('incremental export memory: at the change bound', () => {
    const { maxChanges, maxChangeBytes } = defaultChangeLimits;
    const BASE_USERS = maxChanges + 10_000;
    const CREATED = 400;
    const REMOVED = 99;
    const UPDATED = maxChanges - 1 - CREATED - REMOVED;
    const SELECT = [...selectableUserProperties];
    /** The lines the round carries: with the removals' reasons (`"changed"`), 1 KiB under the byte cap. */
    const LINE_TOTAL = maxChangeBytes - 1024 - REMOVED * '"changed"'.length;
    /** The n-th line's length: the total spread evenly. */
    const lineBytes = (n: number): number => {
        const lines = UPDATED + CREATED;
        const even = Math.floor(LINE_TOTAL / lines);
        return even + (n < LINE_TOTAL - even * lines ? 1 : 0);
    };
    let kit: ExportTestKit;
    before(async () => {
        kit = await startExportTestKit({ userCount: BASE_USERS });
        kit.t.sandbox.setDeltaReplays(false);
    });
    after(() => kit.close());

    /** A displayName that makes the user's line (every selectable property, as the export writes it) exactly `bytes` long. */
    function paddedName(record: SandboxUserRecord, tag: string, bytes: number): string {
        const line = (name: string): number => {
            const projected: Record<string, unknown> = {};
            for (const p of SELECT) projected[p] = record[p];
            projected.displayName = name;
            return Buffer.byteLength(JSON.stringify(projected));
        };
        const name = `${record.displayName} ${tag} `;
        const padding = bytes - line(name);
        assert.ok(padding >= 0, `a line is already ${line(name)} bytes`);
        return name + 'x'.repeat(padding);
    }

    it(`holds ${maxChanges - 1} changed users with the widest select, just under ${maxChangeBytes / 1048576} MiB of lines, with peak RSS under ${MAX_RSS_MB} MB`, async () => {
        const target = await kit.newTarget({ USERS_EXPORT_SELECT: SELECT.join(',') });
        const full = await exportInChild(target, { flags: workerNodeArguments, full: true });
        assert.equal(full.manifest.userCount, BASE_USERS);

        const directory = kit.t.sandbox.directory;
        for (let i = 0; i < UPDATED; i += 1) directory.update(i, { displayName: paddedName(directory.recordAt(i), 'v2', lineBytes(i)) });
        for (let i = 0; i < CREATED; i += 1) {
            const index = directory.create();
            directory.update(index, { displayName: paddedName(directory.recordAt(index), 'new', lineBytes(UPDATED + i)) });
        }
        for (let i = 0; i < REMOVED; i += 1) directory.softDelete(BASE_USERS - 1 - i);

        const { manifest, maxRssKb } = await exportInChild(target, { flags: workerNodeArguments });
        const peakMb = maxRssKb / 1024;
        console.log(
            `incremental run at the change bound: ${UPDATED + CREATED + REMOVED} changed users, ${(LINE_TOTAL / 1048576).toFixed(3)} MiB of lines, ${SELECT.length} properties: peak RSS ${peakMb.toFixed(1)} MB (full read of ${BASE_USERS} users: ${(full.maxRssKb / 1024).toFixed(1)} MB)`,
        );
        // Incremental: the round stayed within both caps, and it is within 0.01 % of each.
        assert.equal(manifest.mode, 'incremental', `fell back: ${manifest.fullReadReason ?? ''}`);
        assert.deepEqual([manifest.changes?.added, manifest.changes?.updated, manifest.changes?.removed], [CREATED, UPDATED, REMOVED]);
        assert.ok(UPDATED + CREATED + REMOVED > maxChanges * 0.9999 && LINE_TOTAL > maxChangeBytes * 0.9999);
        assert.ok((manifest.changes?.bytes ?? 0) > LINE_TOTAL, 'the change file holds every line at its full length');
        assert.equal(manifest.userCount, BASE_USERS + CREATED - REMOVED);
        assert.equal(sha256(await target.download(manifest.blobName)), manifest.sha256);
        assert.ok(peakMb < MAX_RSS_MB, `peak RSS ${peakMb.toFixed(1)} MB >= ${MAX_RSS_MB} MB`);
    });
});
