/**
 * The deployed app (package.json `main`) run the way the Node worker runs it (test/support/worker):
 * the function metadata the host receives, every HTTP route through the library's HTTP proxy with
 * a real HTTP client, every status each route answers, and the timer with the host's typed data
 * exporting to Azurite. No invocation may log after it completed.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { startStorageFaultProxy, type StorageFaultProxy } from '../../sandbox/index.js';
import { startExportTestKit, type ExportTarget, type ExportTestKit } from '../support/startExportTestKit.js';
import { startWorkerHarness, type ProxiedResponse, type WorkerHarness } from '../support/worker/startWorkerHarness.js';

const USERS = 2500;
const JSON_ACCEPT = { accept: 'application/json' };

let kit: ExportTestKit;
let storage: StorageFaultProxy;
let target: ExportTarget;
let worker: WorkerHarness;

before(async () => {
    kit = await startExportTestKit({ userCount: USERS });
    storage = await startStorageFaultProxy(kit.azurite);
    target = await kit.newTarget();
    worker = await startWorkerHarness({ env: { ...target.env, USERS_EXPORT_STORAGE: storage.connectionString } });
});

after(async () => {
    await worker.close();
    await storage.close();
    await kit.close();
});

afterEach(() => {
    assert.deepEqual(worker.logs.lateLogWarnings(), [], 'no log after an invocation completed');
});

/** Runs `body` with one app setting removed (the runtime reads process.env on first use). */
async function withoutSetting<T>(name: string, body: () => Promise<T>): Promise<T> {
    const saved = process.env[name];
    Reflect.deleteProperty(process.env, name);
    try {
        return await body();
    } finally {
        process.env[name] = saved;
    }
}

function assertProblem(response: ProxiedResponse, status: number, code: string): Record<string, unknown> {
    assert.equal(response.status, status, response.text());
    assert.equal(response.headers['content-type'], 'application/problem+json');
    const problem = response.json();
    assert.equal(problem.code, code);
    assert.equal(problem.status, status);
    assert.equal(problem.invocationId, response.invocationId, 'the problem names the invocation');
    return problem;
}

function summaryOf(response: { readonly invocationId: string | undefined }): Record<string, unknown> {
    const line = worker.logs.userMessages(response.invocationId ?? '').find((m) => m.includes('"event":"graphUsers.invocation"'));
    assert.ok(line !== undefined, 'the invocation logged its summary');
    return JSON.parse(line) as Record<string, unknown>;
}

describe('function metadata the host receives', () => {
    it('loads the built deployment entry in worker mode, with the HTTP proxy as a capability', () => {
        assert.deepEqual(worker.entryPoint, ['dist/bundle/app.js']);
        assert.match(worker.capabilities.HttpUri ?? '', /^http:\/\/localhost:\d+\/$/);
        assert.equal(worker.capabilities.RpcHttpBodyOnly, 'true', "the worker's own capabilities are kept");
        assert.ok(worker.logs.records.some((r) => r.logCategory === 'system' && r.message.includes('HTTP streaming enabled')));
        assert.ok(!worker.logs.records.some((r) => /test mode/i.test(r.message)));
    });

    it('declares GET /api/users, /api/users/export/latest and .../content with function keys (no API_AUDIENCE) and an HTTP return binding', () => {
        for (const [name, route] of [
            ['users', 'users'],
            ['usersExportLatest', 'users/export/latest'],
            ['usersExportLatestContent', 'users/export/latest/content'],
        ] as const) {
            const f = worker.functions.find((x) => x.name === name);
            assert.ok(f, name);
            assert.equal(f.functionId, name);
            assert.equal(f.scriptFile, 'app.js');
            assert.match(f.directory ?? '', /dist\/bundle$/);
            assert.equal(f.retryOptions, undefined);
            const [trigger, output, ...rest] = f.bindings;
            assert.deepEqual(rest, []);
            assert.deepEqual(
                {
                    type: trigger?.type,
                    direction: trigger?.direction,
                    authLevel: trigger?.authLevel,
                    route: trigger?.route,
                    methods: trigger?.methods,
                },
                { type: 'httpTrigger', direction: 'in', authLevel: 'function', route, methods: ['GET'] },
            );
            assert.match(trigger?.name ?? '', /^httpTrigger[0-9a-f]+$/);
            assert.deepEqual(
                { type: output?.type, direction: output?.direction, name: output?.name },
                { type: 'http', direction: 'out', name: '$return' },
            );
        }
    });

    it('declares the usersExport timer on %USERS_EXPORT_SCHEDULE% with an exponential retry policy', () => {
        const f = worker.functions.find((x) => x.name === 'usersExport');
        assert.ok(f);
        assert.equal(f.bindings.length, 1, 'a timer has no return binding');
        const [trigger] = f.bindings;
        assert.deepEqual(
            { type: trigger?.type, direction: trigger?.direction, schedule: trigger?.schedule },
            { type: 'timerTrigger', direction: 'in', schedule: '%USERS_EXPORT_SCHEDULE%' },
        );
        assert.deepEqual(f.retryOptions, {
            retryStrategy: 'exponentialBackoff',
            maxRetryCount: 3,
            minimumInterval: { seconds: 30 },
            maximumInterval: { seconds: 300 },
            delayInterval: undefined,
        });
    });

    it('has exactly these four functions', () => {
        assert.deepEqual(worker.functions.map((f) => f.name).sort(), [
            'users',
            'usersExport',
            'usersExportLatest',
            'usersExportLatestContent',
        ]);
    });
});

describe('GET /api/users through the proxy', () => {
    it('500 ConfigurationInvalid names the missing setting', async () => {
        const response = await withoutSetting('GRAPH_CLIENT_ID', () => worker.http({ path: '/api/users', headers: JSON_ACCEPT }));
        const problem = assertProblem(response, 500, 'ConfigurationInvalid');
        // The caller gets the code; the log under the same invocation id names the setting.
        assert.doesNotMatch(String(problem.detail), /GRAPH_CLIENT_ID/);
        assert.ok(worker.logs.userMessages(response.invocationId ?? '').some((m) => /ConfigurationInvalid: .*GRAPH_CLIENT_ID/.test(m)));
    });

    it('503 with Retry-After when Key Vault refuses the identity', async () => {
        kit.t.sandbox.setKeyVaultAccess(false);
        try {
            const response = await worker.http({ path: '/api/users', headers: JSON_ACCEPT });
            assertProblem(response, 503, 'KeyVaultForbidden');
            assert.equal(response.headers['retry-after'], '30');
        } finally {
            kit.t.sandbox.setKeyVaultAccess(true);
        }
    });

    let nextPageToken = '';

    it('200: a page, with the invocation id the proxy adds and the summary logged', async () => {
        const response = await worker.http({ path: '/api/users?top=5', headers: JSON_ACCEPT });
        assert.equal(response.status, 200, response.text());
        assert.equal(response.complete, true);
        assert.match(String(response.headers['content-type']), /^application\/json/);
        assert.equal(response.headers['x-ms-invocation-id'], response.invocationId);
        assert.equal(response.headers['cache-control'], 'no-store');
        const page = response.json() as { value: { id: string }[]; nextPageToken: string };
        assert.deepEqual(
            page.value.map((u) => u.id),
            [0, 1, 2, 3, 4].map((i) => kit.t.sandbox.userAt(i).id),
        );
        assert.equal(typeof page.nextPageToken, 'string');
        nextPageToken = page.nextPageToken;
        assert.equal(response.flow.producedBytes, response.body.length, 'the caller read every byte the proxy wrote');
        const summary = summaryOf(response);
        assert.deepEqual([summary.outcome, summary.status, summary.users, summary.pages], ['success', 200, 5, 1]);
    });

    it('200: the next page via pageToken', async () => {
        const response = await worker.http({ path: `/api/users?pageToken=${encodeURIComponent(nextPageToken)}`, headers: JSON_ACCEPT });
        assert.equal(response.status, 200, response.text());
        assert.deepEqual(
            (response.json().value as { id: string }[]).map((u) => u.id),
            [5, 6, 7, 8, 9].map((i) => kit.t.sandbox.userAt(i).id),
        );
    });

    for (const [query, parameter] of [
        ['top=0', 'top'],
        ['top=5&top=6', 'top'],
        ['filter=x', 'filter'],
        ['select=passwordProfile', 'select'],
        ['pageToken=AAAA.BBBB', 'pageToken'],
    ] as const) {
        it(`400 BadRequest for ${query}, before anything reaches Graph`, async () => {
            const before = kit.t.sandbox.counters.graphRequests;
            const response = await worker.http({ path: `/api/users?${query}`, headers: JSON_ACCEPT });
            const problem = assertProblem(response, 400, 'BadRequest');
            assert.match(String(problem.detail), new RegExp(parameter));
            assert.equal(kit.t.sandbox.counters.graphRequests, before);
        });
    }

    it('406 NotAcceptable for all=true without Accept: application/x-ndjson', async () => {
        const response = await worker.http({ path: '/api/users?all=true', headers: JSON_ACCEPT });
        assertProblem(response, 406, 'NotAcceptable');
    });

    it('POST is refused by the host routing (404, nothing invoked); invoked anyway, the function answers 405', async () => {
        const routed = await worker.http({ method: 'POST', path: '/api/users', headers: JSON_ACCEPT, body: '{}' });
        assert.equal(routed.status, 404);
        assert.equal(routed.invocationId, undefined);
        const forced = await worker.http({ method: 'POST', path: '/api/users', headers: JSON_ACCEPT, body: '{}', functionName: 'users' });
        assertProblem(forced, 405, 'MethodNotAllowed');
    });

    it('502 when Graph fails with a 500, with its request id', async () => {
        kit.t.sandbox.faults.graph.fail(1, 500);
        const response = await worker.http({ path: '/api/users?top=3', headers: JSON_ACCEPT });
        const problem = assertProblem(response, 502, 'GraphUnavailable');
        assert.equal(typeof problem.requestId, 'string');
    });

    it('502 GraphRepeatedNextLink when Graph links a page back to itself, instead of a token for the same page', async () => {
        kit.t.sandbox.faults.graph.repeatNextLink(1);
        const response = await worker.http({ path: '/api/users?top=3', headers: JSON_ACCEPT });
        kit.t.sandbox.faults.graph.clear();
        assertProblem(response, 502, 'GraphRepeatedNextLink');
    });

    it('503 GraphThrottled with Retry-After when throttling outlasts the retries', async () => {
        kit.t.sandbox.faults.graph.throttle(6, '0');
        const response = await worker.http({ path: '/api/users?top=3', headers: JSON_ACCEPT });
        assertProblem(response, 503, 'GraphThrottled');
        assert.equal(response.headers['retry-after'], '0');
        kit.t.sandbox.faults.graph.clear();
    });
});

describe('GET /api/users?all=true through the proxy', () => {
    const NDJSON = { accept: 'application/x-ndjson' };

    it(`a client loop following @nextPageToken gets all ${USERS} users once, then @end with the total`, async () => {
        const ids = new Set<string>();
        const sizes: number[] = [];
        let query = 'all=true';
        let end: unknown;
        for (let request = 0; request < USERS && end === undefined; request += 1) {
            const response = await worker.http({ path: `/api/users?${query}`, headers: NDJSON });
            assert.equal(response.status, 200, response.text());
            assert.equal(response.complete, true);
            assert.match(String(response.headers['content-type']), /^application\/x-ndjson/);
            const lines = response
                .text()
                .trimEnd()
                .split('\n')
                .map((l) => JSON.parse(l) as Record<string, unknown>);
            const control = lines.pop() ?? {};
            for (const user of lines) ids.add(String(user.id));
            sizes.push(lines.length);
            if ('@end' in control) end = control['@end'];
            else query = `all=true&pageToken=${encodeURIComponent(String(control['@nextPageToken']))}`;
        }
        assert.deepEqual(sizes, [1998, 502]);
        assert.equal(ids.size, USERS);
        assert.deepEqual(end, { users: USERS });
    });

    it('400 for a page token sent with all=true', async () => {
        const page = await worker.http({ path: '/api/users?top=2', headers: JSON_ACCEPT });
        const token = encodeURIComponent(String(page.json().nextPageToken));
        assertProblem(await worker.http({ path: `/api/users?all=true&pageToken=${token}`, headers: NDJSON }), 400, 'BadRequest');
    });

    /** One all=true request with the repeated-nextLink fault armed; the Graph pages it read. */
    async function repeatedLink(path: string, afterPages: number): Promise<number> {
        kit.t.sandbox.faults.graph.repeatNextLink(1, afterPages);
        const pagesBefore = kit.t.sandbox.counters.graphPages;
        const response = await worker.http({ path, headers: NDJSON });
        kit.t.sandbox.faults.graph.clear();
        assertProblem(response, 502, 'GraphRepeatedNextLink');
        // The caller gets only the code; the log line under its invocationId says why.
        assert.ok(worker.logs.userMessages(response.invocationId ?? '').some((m) => m.includes('already read in this request')));
        return kit.t.sandbox.counters.graphPages - pagesBefore;
    }

    it('502 GraphRepeatedNextLink when the first page links back to itself: it is neither followed nor handed out', async () => {
        assert.equal(await repeatedLink('/api/users?all=true', 0), 1);
    });

    it('502 GraphRepeatedNextLink when the last page of a segment links back to itself (the token would not advance)', async () => {
        assert.equal(await repeatedLink('/api/users?all=true', 1), 2);
    });

    it('502 GraphRepeatedNextLink when a segment started from a token links back to where it started; the same token still works after', async () => {
        const first = await worker.http({ path: '/api/users?all=true&top=500', headers: NDJSON });
        assert.equal(first.status, 200, first.text());
        const control = JSON.parse(first.text().trimEnd().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
        const path = `/api/users?all=true&pageToken=${encodeURIComponent(String(control['@nextPageToken']))}`;
        assert.equal(await repeatedLink(path, 0), 1);
        // The README's client loop repeats a failed request: once Graph behaves, it goes on from there.
        const again = await worker.http({ path, headers: NDJSON });
        assert.equal(again.status, 200, again.text());
        assert.equal(again.text().trimEnd().split('\n').length, 1000 + 1);
    });

    it('502 problem+json when Graph fails on the second page of a segment: no partial body', async () => {
        kit.t.sandbox.faults.graph.failAfterPages(1, 1, 500);
        const response = await worker.http({ path: '/api/users?all=true', headers: NDJSON });
        kit.t.sandbox.faults.graph.clear();
        assertProblem(response, 502, 'GraphUnavailable');
    });
});

describe('GET /api/users/export/latest through the proxy', () => {
    it('500 ConfigurationInvalid without export storage settings', async () => {
        const response = await withoutSetting('USERS_EXPORT_STORAGE', () =>
            worker.http({ path: '/api/users/export/latest', headers: JSON_ACCEPT }),
        );
        const problem = assertProblem(response, 500, 'ConfigurationInvalid');
        assert.doesNotMatch(String(problem.detail), /USERS_EXPORT_STORAGE/);
        assert.ok(
            worker.logs.userMessages(response.invocationId ?? '').some((m) => /ConfigurationInvalid: .*USERS_EXPORT_STORAGE/.test(m)),
        );
    });

    it('404 NoSnapshot before the first export', async () => {
        assertProblem(await worker.http({ path: '/api/users/export/latest', headers: JSON_ACCEPT }), 404, 'NoSnapshot');
    });

    it('400 for any query parameter but the key', async () => {
        assertProblem(await worker.http({ path: '/api/users/export/latest?top=1', headers: JSON_ACCEPT }), 400, 'BadRequest');
    });

    it('405 when invoked with another method', async () => {
        const response = await worker.http({ method: 'DELETE', path: '/api/users/export/latest', functionName: 'usersExportLatest' });
        assertProblem(response, 405, 'MethodNotAllowed');
    });

    it('503 ExportFailed when storage refuses the read', async () => {
        storage.failManifestReads(1, 403);
        assertProblem(await worker.http({ path: '/api/users/export/latest', headers: JSON_ACCEPT }), 503, 'ExportFailed');
    });
});

describe('the usersExport timer, invoked with the host typed data', () => {
    it(`exports all ${USERS} users to Azurite; GET /api/users/export/latest then serves the manifest with its ETag`, async () => {
        const result = await worker.timer('usersExport');
        assert.equal(result.error, undefined, result.error?.message);
        const stored = await target.latest();
        assert.ok(stored);
        const manifest = JSON.parse(stored.text) as { userCount: number; blobName: string };
        assert.equal(manifest.userCount, USERS);
        assert.deepEqual(await target.snapshotNames(), [manifest.blobName]);
        const summary = summaryOf(result);
        assert.deepEqual([summary.trigger, summary.outcome, summary.users], ['timer', 'success', USERS]);

        const response = await worker.http({ path: '/api/users/export/latest', headers: JSON_ACCEPT });
        assert.equal(response.status, 200, response.text());
        assert.equal(response.headers.etag, stored.etag);
        assert.equal(response.json().userCount, USERS);
    });

    it('reads isPastDue from the camel-cased TimerInfo and warns', async () => {
        const result = await worker.timer('usersExport', { isPastDue: true });
        assert.equal(result.error, undefined, result.error?.message);
        assert.ok(worker.logs.userMessages(result.invocationId).some((m) => m.includes('past due')));
    });

    it('fails the invocation (so the host retries) when Graph fails, leaving latest.json as it was', async () => {
        const before = await target.latest();
        kit.t.sandbox.faults.graph.fail(1, 500);
        const result = await worker.timer('usersExport');
        assert.match(result.error?.message ?? '', /Microsoft Graph/);
        assert.equal((result.error as { code?: string } | undefined)?.code, 'GraphUnavailable');
        assert.deepEqual(await target.latest(), before);
        assert.deepEqual([summaryOf(result).outcome, summaryOf(result).errorCode], ['failure', 'GraphUnavailable']);
    });

    it('fails with ExportConflict when another writer replaced latest.json', async () => {
        storage.conflictManifestWrites(1);
        const result = await worker.timer('usersExport');
        assert.equal((result.error as { code?: string } | undefined)?.code, 'ExportConflict');
    });
});
