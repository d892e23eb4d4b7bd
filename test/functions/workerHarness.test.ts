/**
 * The worker-mode harness's own test, on a fixture app that does what the real app must not:
 * it shows the harness detects a log after completion, measures a body the library buffers for a
 * caller that does not read, reports a failed invocation as the host would, runs hooks with the
 * worker's states, and hands the library the host's trigger metadata.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startWorkerHarness, type WorkerHarness } from '../support/worker/startWorkerHarness.js';

const FIXTURE = new URL('./fixtures/workerHarnessApp.js', import.meta.url);
const MB = 1024 * 1024;

let appDirectory: string;
let worker: WorkerHarness;

before(async () => {
    // An app folder like a deployment: package.json whose `main` is the entry, ESM by `type`.
    appDirectory = await mkdtemp(join(tmpdir(), 'worker-harness-app-'));
    await writeFile(join(appDirectory, 'package.json'), JSON.stringify({ type: 'module', main: 'entry/*.js' }));
    await mkdir(join(appDirectory, 'entry'));
    await writeFile(join(appDirectory, 'entry', 'app.js'), `import ${JSON.stringify(FIXTURE.href)};\n`);
    worker = await startWorkerHarness({ appDirectory, publicHost: 'fixture.example' });
});

after(async () => {
    await worker.close();
    await rm(appDirectory, { recursive: true, force: true });
});

describe('worker-mode harness', () => {
    it('loads package.json main (a glob) and reports what the library registered', () => {
        assert.deepEqual(worker.entryPoint, ['entry/app.js']);
        assert.deepEqual(worker.functions.map((f) => f.name).sort(), ['echo', 'fail', 'flood', 'late', 'state', 'tick']);
        const tick = worker.functions.find((f) => f.name === 'tick');
        assert.deepEqual(tick?.retryOptions, {
            retryStrategy: 'fixedDelay',
            maxRetryCount: 2,
            minimumInterval: undefined,
            maximumInterval: undefined,
            delayInterval: { seconds: 10 },
        });
    });

    it('gives the library the public URL, the caller headers and the route parameters', async () => {
        const response = await worker.http({ path: '/api/echo/Ada%20L?x=1', headers: { accept: 'text/plain' } });
        assert.equal(response.status, 200, response.text());
        assert.deepEqual(response.json(), {
            url: 'https://fixture.example/api/echo/Ada%20L?x=1',
            name: 'Ada L',
            accept: 'text/plain',
            query: { x: '1' },
        });
    });

    it('routes like the host: an unknown path or method is a 404 that invokes nothing', async () => {
        for (const call of [
            { path: '/api/nothing' },
            { path: '/api/echo/a/b' },
            { method: 'POST', path: '/api/echo/a' },
            { path: '/echo/a' },
        ]) {
            const response = await worker.http(call);
            assert.equal(response.status, 404, JSON.stringify(call));
            assert.equal(response.invocationId, undefined);
        }
    });

    it('sees the library warn about a log made after the function returned', async () => {
        const before = worker.logs.lateLogWarnings().length;
        const response = await worker.http({ path: '/api/late' });
        assert.equal(response.text(), 'first\nsecond\n');
        const warnings = worker.logs.lateLogWarnings().slice(before);
        assert.equal(warnings.length, 1);
        assert.equal(warnings[0]?.invocationId, response.invocationId);
        assert.match(warnings[0]?.message ?? '', /Function name: late/);
    });

    it('a log from a postInvocation hook is no such warning; hooks run in the worker order', async () => {
        const before = worker.logs.lateLogWarnings().length;
        const response = await worker.http({ path: '/api/state' });
        assert.equal(worker.logs.lateLogWarnings().length, before);
        assert.ok(worker.logs.userMessages(response.invocationId ?? '').includes('postInvocation hook ran'));
        const hooks = (response.json() as { hooks: string[] }).hooks;
        assert.equal(hooks[0], 'appStart');
        assert.deepEqual(hooks.slice(-1), ['preInvocation:state'], 'the handler ran after its preInvocation hook');
    });

    it('measures what a caller that never reads leaves in the worker: the whole body, when the library buffers it', async () => {
        const response = await worker.http({ path: '/api/flood/24', caller: { kind: 'stall' } });
        assert.equal(response.status, 200);
        assert.equal(response.body.length, 0, 'the stalled caller read nothing');
        assert.equal(response.flow.producedBytes, 24 * MB);
        // Everything beyond what the sockets' kernel buffers took stays queued in the worker.
        assert.ok(response.flow.maxQueuedBytes > response.flow.producedBytes / 2, `queued ${response.flow.maxQueuedBytes}`);
        // Wire bytes: the body plus the head and chunk framing.
        assert.ok(response.flow.maxQueuedBytes <= response.flow.producedBytes + 64 * 1024);
    });

    it('a reading caller gets the whole body, so nothing stays queued', async () => {
        const response = await worker.http({ path: '/api/flood/4' });
        assert.equal(response.body.length, 4 * MB);
        assert.equal(response.complete, true);
        assert.equal(response.flow.queuedBytes, 0);
    });

    it('a caller that hangs up mid-body or before the first byte gets a cut body; onGone runs once', async () => {
        let gone = 0;
        const mid = await worker.http({ path: '/api/flood/4', caller: { kind: 'disconnect', when: 'midBody', onGone: () => (gone += 1) } });
        assert.equal(mid.status, 200);
        assert.equal(mid.complete, false);
        assert.ok(mid.body.length > 0 && mid.body.length < 4 * MB);
        const early = await worker.http({
            path: '/api/flood/1',
            caller: { kind: 'disconnect', when: 'beforeFirstByte', onGone: () => (gone += 1) },
        });
        assert.equal(early.status, undefined);
        assert.equal(early.body.length, 0);
        assert.equal(gone, 2);
    });

    it('a failed invocation is a 500 from the host, with the error the worker reports', async () => {
        const response = await worker.http({ path: '/api/fail' });
        assert.equal(response.status, 500);
        assert.match(response.result?.error?.message ?? '', /failed on purpose/);
    });

    it('a timer gets the camel-cased TimerInfo and the retry context', async () => {
        const result = await worker.timer('tick', { isPastDue: true, adjustForDST: false, last: '2026-01-01T00:00:00.000Z' });
        assert.equal(result.error, undefined);
        assert.deepEqual(worker.logs.userMessages(result.invocationId), ['tick', 'postInvocation hook ran']);
        const state = (await worker.http({ path: '/api/state' })).json() as { timer: Record<string, unknown> };
        assert.equal(state.timer.isPastDue, true);
        assert.deepEqual(state.timer.schedule, { adjustForDST: false });
        assert.equal((state.timer.scheduleStatus as Record<string, unknown>).last, '2026-01-01T00:00:00.000Z');
    });

    it('loads one app per process', async () => {
        await assert.rejects(startWorkerHarness({ appDirectory }), /one harness per test file/);
    });
});
