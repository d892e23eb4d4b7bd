/**
 * The export holds one Graph page and a few upload blocks at a time, whatever the directory's
 * size. Each export runs in a child process (the sandbox and Azurite stay here) and reports its
 * peak RSS. Memory only: no timing assertions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportInChild } from '../support/exportInChild.js';
import { sha256, startExportTestKit, type ExportTestKit } from '../support/startExportTestKit.js';
const USERS = 200_000;
/**
 * Measured on the 2-core CI machine kind (Node 22.23, 72 MB snapshot): peak RSS 158-163 MB for
 * 200,000 users, against 117 MB for 10,000, 148 MB for 50,000 and 167 MB for 400,000 (a 144 MB
 * snapshot): V8's heap settles, the data does not accumulate. The bound leaves ~40 MB headroom
 * for GC timing; an implementation that buffered the snapshot (as objects or as text) would
 * hold 150+ MB more and fail.
 */
const MAX_RSS_MB = 200;

describe('export memory', () => {
    let kit: ExportTestKit;
    before(async () => {
        kit = await startExportTestKit({ userCount: USERS });
    });
    after(() => kit.close());

    it(`exports ${USERS} users with peak RSS under ${MAX_RSS_MB} MB`, async () => {
        const target = await kit.newTarget();
        const { manifest, maxRssKb } = await exportInChild(target);
        const peakMb = maxRssKb / 1024;
        console.log(`peak RSS for ${USERS} users: ${peakMb.toFixed(1)} MB`);
        assert.equal(manifest.userCount, USERS);
        assert.equal(sha256(await target.download(manifest.blobName)), manifest.sha256);
        assert.ok(peakMb < MAX_RSS_MB, `peak RSS ${peakMb.toFixed(1)} MB >= ${MAX_RSS_MB} MB`);
    });
});
