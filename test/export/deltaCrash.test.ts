/**
 * A crash during the merge (the process killed while the new snapshot is half uploaded) leaves
 * latest.json and the delta state exactly as they were, and nothing new is visible; the next
 * run then merges the same changes into the same base.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startNodeChild } from '../support/runNodeChild.js';
import { freshFullRead, snapshotRecords, sortedRecords } from '../support/snapshotRecords.js';
import { startExportTestKit, type ExportTestKit } from '../support/startExportTestKit.js';

const CHILD = fileURLToPath(new URL('./fixtures/crashDuringMerge.js', import.meta.url));
/** About 14 MB of snapshot: the child stalls after 6 MB, with upload blocks already staged. */
const USERS = 40_000;

describe('a crash during the merge', () => {
    let kit: ExportTestKit;
    before(async () => {
        kit = await startExportTestKit({ userCount: USERS });
    });
    after(() => kit.close());

    it('leaves latest.json and the delta state as they were', async () => {
        const target = await kit.newTarget();
        await target.run();
        for (let i = 0; i < 300; i += 1) kit.t.sandbox.directory.update(i * 101);
        kit.t.sandbox.directory.create();
        const latest = await target.latest();
        const state = await target.deltaState();
        const files = [...(await target.snapshotNames('')), ...(await target.snapshotNames('changes/'))];

        const child = startNodeChild([CHILD], { ...process.env, ...target.env });
        await child.untilStdout('merging');
        // Kill it once the new snapshot has blocks staged (bounded: the upload needs a moment to send one).
        const staged = async (): Promise<string[]> => {
            const names: string[] = [];
            for await (const blob of target.container.listBlobsFlat({ includeUncommitedBlobs: true, prefix: 'snapshots/' })) {
                if (!files.includes(blob.name)) names.push(blob.name);
            }
            return names;
        };
        for (let tries = 0; tries < 400 && (await staged()).length === 0; tries += 1) await sleep(25);
        assert.equal((await child.kill()).signal, 'SIGKILL', 'the export was killed, not finished');

        assert.deepEqual(await target.latest(), latest, 'latest.json is byte for byte the previous one');
        assert.deepEqual(await target.deltaState(), state, 'delta-state.json is byte for byte the previous one');
        assert.deepEqual(
            [...(await target.snapshotNames('')), ...(await target.snapshotNames('changes/'))],
            files,
            'nothing new is visible',
        );
        // The crash hit mid-upload: the new snapshot exists only as uncommitted blocks.
        assert.equal((await staged()).length, 1, 'the new snapshot was half uploaded');

        const { manifest } = await target.run();
        assert.equal(manifest.mode, 'incremental');
        assert.equal(manifest.changes?.added, 1);
        const records = snapshotRecords(await target.download(manifest.blobName), false);
        assert.deepEqual(sortedRecords(records), sortedRecords(await freshFullRead(kit.t.newRuntime().graph, manifest.select)));
    });
});
