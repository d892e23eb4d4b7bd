/** `GET /api/users?all=true` as NDJSON over HTTP streaming, against the sandbox. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import functions, { type HttpResponseInit } from '@azure/functions';
import { hygiene } from '../support/hygieneGuard.js';
import { startTestSandbox, type TestSandbox } from '../support/startTestSandbox.js';

const { HttpResponse } = functions;
const NDJSON = { accept: 'application/x-ndjson' };
const USERS = 5000;

async function lines(response: HttpResponseInit): Promise<Record<string, unknown>[]> {
    const text = await new HttpResponse(response).text();
    hygiene.recordCallerResponse({ status: response.status ?? 200, body: text });
    assert.ok(text.endsWith('\n'), 'every line ends with a newline');
    return text
        .slice(0, -1)
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('GET /api/users?all=true (NDJSON stream)', () => {
    let t: TestSandbox;
    before(async () => {
        t = await startTestSandbox({ userCount: USERS });
    });
    after(() => t.close());

    it(`streams all ${USERS} users, each id exactly once and no error line`, async () => {
        const response = await t.invoke('all=true', t.newRuntime(), NDJSON);
        assert.equal(response.status, 200);
        assert.match(String((response.headers as Record<string, string>)['Content-Type']), /^application\/x-ndjson/);
        const users = await lines(response);
        assert.equal(users.length, USERS);
        assert.ok(users.every((u) => u.error === undefined));
        const ids = new Set(users.map((u) => u.id));
        assert.equal(ids.size, USERS);
        for (let i = 0; i < USERS; i += 1) assert.ok(ids.has(t.sandbox.userAt(i).id), `user ${i}`);
        assert.ok(t.logs.lines.some((l) => l.includes('"event":"graphUsers.invocation"') && l.includes(`"users":${USERS}`)));
    });

    it('honours select and top (page size) while streaming everything', async () => {
        const response = await t.invoke('all=true&top=700&select=displayName', t.newRuntime(), {
            accept: 'application/json, application/x-ndjson;q=0.9',
        });
        assert.equal(response.status, 200);
        const users = await lines(response);
        assert.equal(users.length, USERS);
        assert.deepEqual(Object.keys(users[0] ?? {}).sort(), ['displayName', 'id']);
        assert.ok(t.logs.lines.some((l) => l.includes('"pages":8')));
    });

    it('a Graph failure mid-stream ends the body with the documented error line', async () => {
        t.sandbox.faults.graph.failAfterPages(2, 1, 500);
        const response = await t.invoke('all=true', t.newRuntime(), NDJSON);
        assert.equal(response.status, 200, 'the status went out with the first page');
        const body = await lines(response);
        t.sandbox.faults.graph.clear();
        const last = body.at(-1) as { error?: Record<string, unknown> };
        assert.equal(body.length, 2 * 999 + 1);
        assert.ok(last.error !== undefined, JSON.stringify(last));
        assert.deepEqual(Object.keys(last.error).sort(), ['code', 'invocationId', 'message', 'requestId']);
        assert.equal(last.error.code, 'GraphUnavailable');
        // The caller gets the code and ids; what failed, and the fix, are in the log under the invocation id.
        assert.match(String(last.error.message), /function logs under this invocationId/);
        assert.ok(
            t.logs.lines.some(
                (l) =>
                    l.includes('GraphUnavailable: Microsoft Graph is unavailable') && l.includes(`invocationId ${response.invocationId}`),
            ),
        );
        assert.equal(typeof last.error.requestId, 'string');
        assert.ok(body.slice(0, -1).every((u) => typeof u.id === 'string'));
        assert.ok(t.logs.lines.some((l) => l.includes('"errorCode":"GraphUnavailable"') && l.includes('"users":1998')));
    });

    it('a failure before the first page is still problem+json with its status', async () => {
        t.sandbox.setAppRoles([]);
        const response = await t.invoke('all=true', t.newRuntime(), NDJSON);
        t.sandbox.setAppRoles(['User.Read.All']);
        assert.equal(response.status, 502);
        assert.equal(response.json.code, 'GraphConsentMissing');
    });

    for (const accept of ['application/json', '*/*', 'application/x-ndjson;q=0']) {
        it(`answers 406 problem+json for all=true with Accept: ${accept}`, async () => {
            const response = await t.invoke('all=true', t.newRuntime(), { accept });
            assert.equal(response.status, 406);
            assert.equal((response.headers as Record<string, string>)['Content-Type'], 'application/problem+json');
            assert.equal(response.json.code, 'NotAcceptable');
            assert.match(String(response.json.detail), /application\/x-ndjson/);
        });
    }

    it('answers 400 for all=true with a pageToken', async () => {
        const response = await t.invoke('all=true&pageToken=abc', t.newRuntime(), NDJSON);
        assert.equal(response.status, 400);
        assert.equal(response.json.code, 'BadRequest');
        assert.match(String(response.json.detail), /pageToken/);
    });
});
