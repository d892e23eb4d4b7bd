/** `GET /api/users?all=true`: every user as NDJSON, in bounded segments chained by a control line, against the sandbox. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HttpResponseInit } from '@azure/functions';
import type { Runtime } from '../../src/runtime/createRuntime.js';
import { startTestSandbox, type TestSandbox } from '../support/startTestSandbox.js';

const NDJSON = { accept: 'application/x-ndjson' };
const USERS = 5000;

interface Segment {
    readonly users: Record<string, unknown>[];
    readonly control: Record<string, unknown>;
}

function parseSegment(response: HttpResponseInit): Segment {
    assert.equal(typeof response.body, 'string', 'the segment is read in full before the handler returns');
    const text = response.body as string;
    assert.ok(text.endsWith('\n'), 'every line ends with a newline');
    const lines = text
        .slice(0, -1)
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    const control = lines.pop();
    assert.ok(control !== undefined);
    assert.equal(Object.keys(control).length, 1, 'the control line has a single key');
    assert.ok(
        lines.every((u) => typeof u.id === 'string'),
        'every other line is a user',
    );
    return { users: lines, control };
}

describe('GET /api/users?all=true (NDJSON segments)', () => {
    let t: TestSandbox;
    before(async () => {
        t = await startTestSandbox({ userCount: USERS });
    });
    after(() => t.close());

    /** Follows `@nextPageToken` until `@end`, as a client would; bounded by the directory size. */
    async function walk(runtime: Runtime, query: string): Promise<{ users: Record<string, unknown>[]; segments: Segment[] }> {
        const segments: Segment[] = [];
        let next = query;
        for (let i = 0; i <= USERS; i += 1) {
            const response = await t.invoke(next, runtime, NDJSON);
            assert.equal(response.status, 200, JSON.stringify(response.json));
            assert.match(String((response.headers as Record<string, string>)['Content-Type']), /^application\/x-ndjson/);
            const segment = parseSegment(response);
            segments.push(segment);
            const token = segment.control['@nextPageToken'];
            if (token === undefined) return { users: segments.flatMap((s) => s.users), segments };
            assert.equal(typeof token, 'string');
            next = `all=true&pageToken=${encodeURIComponent(token as string)}`;
        }
        throw new Error('the walk did not end');
    }

    it(`delivers all ${USERS} users in segments of at most 2 Graph pages, each id exactly once, ending with @end`, async () => {
        const pagesBefore = t.sandbox.counters.graphPages;
        const { users, segments } = await walk(t.newRuntime(), 'all=true');
        assert.equal(users.length, USERS);
        const ids = new Set(users.map((u) => u.id));
        assert.equal(ids.size, USERS);
        for (let i = 0; i < USERS; i += 1) assert.ok(ids.has(t.sandbox.userAt(i).id), `user ${i}`);
        // 999 per page by default: 1998, 1998, 1004.
        assert.deepEqual(
            segments.map((s) => s.users.length),
            [1998, 1998, 1004],
        );
        assert.deepEqual(segments.at(-1)?.control, { '@end': { users: USERS } });
        assert.equal(t.sandbox.counters.graphPages - pagesBefore, 6, 'no page is read twice or ahead');
        assert.ok(t.logs.lines.some((l) => l.includes('"event":"graphUsers.invocation"') && l.includes('"users":1998,"pages":2')));
    });

    it('honours select and top, carried by the token, and Accept with q-values', async () => {
        const runtime = t.newRuntime();
        const first = await t.invoke('all=true&top=700&select=displayName', runtime, {
            accept: 'application/json;q=0.5, application/x-ndjson',
        });
        assert.equal(first.status, 200);
        const segment = parseSegment(first);
        assert.equal(segment.users.length, 1400);
        assert.deepEqual(Object.keys(segment.users[0] ?? {}).sort(), ['displayName', 'id']);
        const token = encodeURIComponent(String(segment.control['@nextPageToken']));
        const second = parseSegment(await t.invoke(`all=true&pageToken=${token}`, runtime, NDJSON));
        assert.equal(second.users.length, 1400);
        assert.deepEqual(Object.keys(second.users[0] ?? {}).sort(), ['displayName', 'id']);
        const mismatch = await t.invoke(`all=true&top=10&pageToken=${token}`, runtime, NDJSON);
        assert.equal(mismatch.status, 400);
    });

    it('a Graph failure in a segment is problem+json; the same token then resumes the walk', async () => {
        const runtime = t.newRuntime();
        const first = parseSegment(await t.invoke('all=true', runtime, NDJSON));
        const token = encodeURIComponent(String(first.control['@nextPageToken']));
        t.sandbox.faults.graph.failAfterPages(1, 1, 500);
        const failed = await t.invoke(`all=true&pageToken=${token}`, runtime, NDJSON);
        t.sandbox.faults.graph.clear();
        assert.equal(failed.status, 502);
        assert.equal(failed.json.code, 'GraphUnavailable');
        assert.equal(typeof failed.json.requestId, 'string');
        assert.ok(t.logs.lines.some((l) => l.includes('"errorCode":"GraphUnavailable"')));
        const resumed = parseSegment(await t.invoke(`all=true&pageToken=${token}`, runtime, NDJSON));
        assert.equal(resumed.users[0]?.id, t.sandbox.userAt(1998).id);
    });

    it('a failure before the first page is problem+json with its status', async () => {
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

    it('keeps the two kinds of token apart: 400 for a page token with all=true and for a segment token without', async () => {
        const runtime = t.newRuntime();
        const page = await t.invoke('top=5', runtime);
        const pageToken = encodeURIComponent(String(page.json.nextPageToken));
        const withAll = await t.invoke(`all=true&pageToken=${pageToken}`, runtime, NDJSON);
        assert.equal(withAll.status, 400);
        assert.match(String(withAll.json.detail), /@nextPageToken/);
        const segment = parseSegment(await t.invoke('all=true&top=5', runtime, NDJSON));
        const segmentToken = encodeURIComponent(String(segment.control['@nextPageToken']));
        const withoutAll = await t.invoke(`pageToken=${segmentToken}`, runtime);
        assert.equal(withoutAll.status, 400);
        assert.match(String(withoutAll.json.detail), /all=true/);
    });

    it('answers 400 for a malformed pageToken before anything reaches Graph', async () => {
        const before = t.sandbox.counters.graphRequests;
        const response = await t.invoke('all=true&pageToken=abc', t.newRuntime(), NDJSON);
        assert.equal(response.status, 400);
        assert.equal(response.json.code, 'BadRequest');
        assert.equal(t.sandbox.counters.graphRequests, before);
    });
});
