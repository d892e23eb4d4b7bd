/**
 * `GET /api/users?all=true` stays bounded in Azure: measured through the library's HTTP proxy
 * (the worker-mode harness) against a 1,000,000-user sandbox directory, a caller that never
 * reads and a caller that hangs up (before the first byte, mid-body) leave at most 32 MB of
 * response data in the worker and cost at most 2 Graph pages after they stopped reading, at the
 * start of the walk and in the middle of it. No time is asserted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { selectableUserProperties } from '../../src/users/userProperties.js';
import { measureAllUsersCaller, STREAMING_BOUNDS, type CallerKind } from '../support/measureAllUsersCaller.js';
import { startTestSandbox, type TestSandbox } from '../support/startTestSandbox.js';
import { startWorkerHarness, type WorkerHarness } from '../support/worker/startWorkerHarness.js';

const USERS = 1_000_000;
const KINDS: readonly CallerKind[] = ['stall', 'disconnectBeforeFirstByte', 'disconnectMidBody'];

let t: TestSandbox;
let worker: WorkerHarness;
/** The continuation token after the first segment, for requests in the middle of the walk. */
let middle = '';

before(async () => {
    t = await startTestSandbox({ userCount: USERS });
    worker = await startWorkerHarness({ env: t.sandbox.settings });
});

after(async () => {
    await worker.close();
    await t.close();
});

describe(`all=true through the worker's HTTP proxy, ${USERS.toLocaleString('en')} users`, () => {
    it('a reading caller gets one segment of 2 pages and its continuation line; the summary is logged before the response', async () => {
        const response = await worker.http({ path: '/api/users?all=true', headers: { accept: 'application/x-ndjson' } });
        assert.equal(response.status, 200);
        assert.equal(response.complete, true);
        const lines = response.text().trimEnd().split('\n');
        assert.equal(lines.length, 2 * 999 + 1);
        const control = JSON.parse(lines.at(-1) ?? '{}') as Record<string, unknown>;
        assert.deepEqual(Object.keys(control), ['@nextPageToken']);
        middle = `all=true&pageToken=${encodeURIComponent(String(control['@nextPageToken']))}`;
        const messages = worker.logs.userMessages(response.invocationId ?? '');
        const summary = JSON.parse(messages.find((m) => m.includes('graphUsers.invocation')) ?? '{}') as Record<string, unknown>;
        assert.deepEqual([summary.users, summary.pages, summary.status], [1998, 2, 200]);
        assert.deepEqual(worker.logs.lateLogWarnings(), []);
    });

    for (const where of ['start', 'middle'] as const) {
        for (const kind of KINDS) {
            it(`${kind} at the ${where} of the walk: <= 32 MB held in the worker, <= 2 Graph pages after the caller stopped reading`, async () => {
                const cost = await measureAllUsersCaller(worker, t.sandbox, kind, where === 'start' ? 'all=true' : middle);
                console.log(`all=true ${where}, ${USERS} users: ${JSON.stringify(cost)}`);
                assert.ok(cost.heldBytes <= STREAMING_BOUNDS.maxHeldBytes, `held ${cost.heldBytes} bytes`);
                assert.ok(cost.maxQueuedBytes <= STREAMING_BOUNDS.maxHeldBytes, `queued ${cost.maxQueuedBytes} bytes`);
                assert.ok(cost.graphPagesAfterGone <= STREAMING_BOUNDS.maxGraphPagesAfterGone, `${cost.graphPagesAfterGone} pages after`);
                assert.ok(cost.graphPages <= 2, `${cost.graphPages} pages`);
                assert.ok(cost.producedBytes > 0, 'the segment was produced');
                assert.equal(cost.lateLogWarnings, 0);
                if (kind === 'stall') {
                    assert.equal(cost.status, 200);
                    assert.equal(cost.readBytes, 0);
                }
                if (kind === 'disconnectBeforeFirstByte') assert.equal(cost.status, undefined);
            });
        }
    }

    it('a stalled caller of the widest segment (every allowlisted property, 999 per page) stays within the bounds', async () => {
        const cost = await measureAllUsersCaller(
            worker,
            t.sandbox,
            'stall',
            `all=true&top=999&select=${selectableUserProperties.join(',')}`,
        );
        console.log(`all=true widest select, ${USERS} users: ${JSON.stringify(cost)}`);
        assert.ok(cost.heldBytes <= STREAMING_BOUNDS.maxHeldBytes, `held ${cost.heldBytes} bytes`);
        assert.ok(cost.maxQueuedBytes <= STREAMING_BOUNDS.maxHeldBytes, `queued ${cost.maxQueuedBytes} bytes`);
        assert.equal(cost.graphPages, 2);
    });
});
