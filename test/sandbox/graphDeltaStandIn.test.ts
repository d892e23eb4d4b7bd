/** The `/v1.0/users/delta` stand-in and the mutable directory behind it and `/v1.0/users`, over raw HTTPS. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Sandbox } from '../../sandbox/index.js';
import { startGuardedSandbox } from '../support/startGuardedSandbox.js';
import { acquireGraphToken } from './acquireGraphToken.js';

interface Page {
    readonly status: number;
    readonly headers: Headers;
    readonly body: Record<string, unknown>;
}
type User = Record<string, unknown> & { readonly id: string };

describe('Graph /v1.0/users/delta stand-in', () => {
    let sandbox: Sandbox;
    let token: string;
    let graph: string;
    before(async () => {
        sandbox = await startGuardedSandbox({ userCount: 450 });
        graph = sandbox.settings.GRAPH_ENDPOINT ?? '';
        token = await acquireGraphToken(sandbox);
    });
    after(() => sandbox.close());
    beforeEach(() => {
        sandbox.setDeltaReplays(false);
        sandbox.faults.clear();
    });

    const get = async (url: string): Promise<Page> => {
        const response = await fetch(url.startsWith('https:') ? url : `${graph}${url}`, { headers: { authorization: `Bearer ${token}` } });
        return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
    };
    /** Every page of a round; returns its users in order and the deltaLink. */
    const round = async (first: string): Promise<{ users: User[]; pages: Page[]; deltaLink: string }> => {
        const users: User[] = [];
        const pages: Page[] = [];
        let url: string | undefined = first;
        for (let n = 0; url !== undefined && n < 20; n += 1) {
            const page = await get(url);
            assert.equal(page.status, 200, JSON.stringify(page.body));
            pages.push(page);
            users.push(...(page.body.value as User[]));
            const next = page.body['@odata.nextLink'] as string | undefined;
            const delta = page.body['@odata.deltaLink'] as string | undefined;
            assert.ok((next === undefined) !== (delta === undefined), 'exactly one of nextLink and deltaLink');
            if (delta !== undefined) return { users, pages, deltaLink: delta };
            url = next;
        }
        throw new Error('no deltaLink within 20 pages');
    };

    it('pages an initial round by about 200 whatever $top says, with $select baked into the links', async () => {
        const { users, pages, deltaLink } = await round('/v1.0/users/delta?$select=id,displayName&$top=999');
        assert.deepEqual(
            pages.map((p) => (p.body.value as unknown[]).length),
            [200, 200, 50],
        );
        assert.equal(new Set(users.map((u) => u.id)).size, 450);
        assert.deepEqual(Object.keys(users[0] ?? {}).sort(), ['displayName', 'id']);
        for (const page of pages.slice(0, -1)) assert.doesNotMatch(String(page.body['@odata.nextLink']), /select/i);
        assert.match(deltaLink, new RegExp(`^${graph}/v1\\.0/users/delta\\?\\$deltatoken=[\\w-]+$`));
        const added = await get(`${String(pages[0]?.body['@odata.nextLink'])}&$select=id`);
        assert.equal(added.status, 400, 'parameters may not be added to a nextLink');
    });

    it('$deltatoken=latest answers a deltaLink and no users', async () => {
        const page = await get('/v1.0/users/delta?$select=id,mail&$deltatoken=latest');
        assert.equal(page.status, 200);
        assert.deepEqual(page.body.value, []);
        assert.equal(page.body['@odata.nextLink'], undefined);
        assert.ok(typeof page.body['@odata.deltaLink'] === 'string');
    });

    it('reports each kind of change once: updates, creations, restores and @removed changed or deleted', async () => {
        const { deltaLink } = await round('/v1.0/users/delta?$select=id,displayName,jobTitle&$deltatoken=latest');
        const d = sandbox.directory;
        d.softDelete(5);
        const before = await round(deltaLink);
        d.update(1);
        d.update(2, { city: 'Reykjavík' });
        d.softDelete(3);
        d.hardDelete(4);
        d.restore(5);
        const created = d.create();
        const { users } = await round(before.deltaLink);
        const byId = new Map(users.map((u) => [u.id, u]));
        assert.equal(byId.size, users.length, 'replays are off');
        assert.match(String(byId.get(d.idAt(1) ?? '')?.displayName), / \(v1\)$/);
        assert.equal(byId.has(d.idAt(2) ?? ''), false, 'a change to an unselected property does not surface');
        assert.deepEqual(byId.get(d.idAt(3) ?? '')?.['@removed'], { reason: 'changed' });
        assert.deepEqual(byId.get(d.idAt(4) ?? '')?.['@removed'], { reason: 'deleted' });
        assert.equal(byId.get(d.idAt(5) ?? '')?.['@removed'], undefined, 'a restored user comes back like a new one');
        const keys = Object.keys(byId.get(d.idAt(created) ?? '') ?? {});
        assert.ok(
            keys.includes('id') && keys.includes('displayName') && keys.every((k) => ['displayName', 'id', 'jobTitle'].includes(k)),
            keys.join(),
        );
        assert.equal(users.length, 5);
    });

    it('leaves out what was never set, sends null for what was set to null, in Graph’s order with id last; /users sends every property', async () => {
        const d = sandbox.directory;
        const select = 'id,mobilePhone,jobTitle,displayName';
        const never = [...Array(450).keys()].find((i) => d.recordAt(i).mobilePhone === null && d.recordAt(i).jobTitle !== null) ?? -1;
        const initial = await round(`/v1.0/users/delta?$select=${select}`);
        const sent = initial.users.find((u) => u.id === d.idAt(never));
        assert.deepEqual(Object.keys(sent ?? {}), ['displayName', 'jobTitle', 'id'], 'mobilePhone was never set; id last');
        const listed = await get(`/v1.0/users?$select=${select}&$top=999`);
        const row = (listed.body.value as User[]).find((u) => u.id === d.idAt(never));
        assert.deepEqual(Object.keys(row ?? {}), ['id', 'mobilePhone', 'jobTitle', 'displayName'], '/users: every selected property');
        assert.equal(row?.mobilePhone, null);

        d.update(never, { jobTitle: null });
        const next = await round(initial.deltaLink);
        const changed = next.users.find((u) => u.id === d.idAt(never));
        assert.deepEqual(
            changed,
            { displayName: d.recordAt(never).displayName, jobTitle: null, id: d.idAt(never) },
            'set to null: sent as null',
        );
    });

    it('replays users within and across rounds when replays are on', async () => {
        sandbox.setDeltaReplays(true);
        const { deltaLink } = await round('/v1.0/users/delta?$select=id,displayName&$deltatoken=latest');
        for (let i = 0; i < 12; i += 1) sandbox.directory.update(100 + i);
        const first = await round(deltaLink);
        const ids = first.users.map((u) => u.id);
        assert.ok(new Set(ids).size < ids.length, 'a user appears more than once in the round');
        const second = await round(first.deltaLink);
        assert.ok(second.users.length > 0, 'users of the previous round come again');
    });

    for (const [answer, status, code] of [
        ['syncStateNotFound', 400, 'syncStateNotFound'],
        ['gone', 410, 'Gone'],
        ['resyncRequired', 400, 'BadRequest'],
    ] as const) {
        it(`expires tokens on demand: ${answer} answers ${status}`, async () => {
            const { deltaLink } = await round('/v1.0/users/delta?$select=id&$deltatoken=latest');
            sandbox.expireDeltaTokens(answer);
            const page = await get(deltaLink);
            assert.equal(page.status, status);
            const error = page.body.error as { code: string; innerError: { code?: string } };
            assert.equal(error.code, code);
            if (answer === 'resyncRequired') assert.equal(error.innerError.code, 'resyncRequired');
            if (answer === 'gone') assert.equal(page.headers.get('location'), `${graph}/v1.0/users/delta`);
            const fresh = await round('/v1.0/users/delta?$select=id&$deltatoken=latest');
            assert.equal((await get(fresh.deltaLink)).status, 200, 'tokens issued after the expiry work');
        });
    }

    it('refuses a tampered token and queries it does not support', async () => {
        const { deltaLink } = await round('/v1.0/users/delta?$select=id&$deltatoken=latest');
        assert.equal((await get(`${deltaLink.slice(0, -3)}AAA`)).status, 400);
        assert.equal((await get('/v1.0/users/delta?$filter=id eq 1')).status, 400);
        assert.equal((await get('/v1.0/users/delta?$select=nope')).status, 400);
    });
});

describe('Graph /v1.0/users over the mutable directory', () => {
    let sandbox: Sandbox;
    let token: string;
    let graph: string;
    before(async () => {
        sandbox = await startGuardedSandbox({ userCount: 30 });
        graph = sandbox.settings.GRAPH_ENDPOINT ?? '';
        token = await acquireGraphToken(sandbox);
    });
    after(() => sandbox.close());

    const list = async (url: string, headers: Record<string, string> = {}): Promise<{ ids: string[]; body: Record<string, unknown> }> => {
        const response = await fetch(`${graph}${url}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
        const body = (await response.json()) as Record<string, unknown>;
        return { ids: (body.value as { id: string }[]).map((u) => u.id), body };
    };

    it('lists created and restored users, not soft- or hard-deleted ones, and counts them', async () => {
        const d = sandbox.directory;
        d.softDelete(0);
        d.hardDelete(1);
        const created = d.create();
        const { ids, body } = await list('/v1.0/users?$top=999&$select=id&$count=true', { consistencylevel: 'eventual' });
        assert.equal(body['@odata.count'], 29);
        assert.ok(!ids.includes(d.idAt(0) ?? '') && !ids.includes(d.idAt(1) ?? ''));
        assert.ok(ids.includes(d.idAt(created) ?? ''));
        d.restore(0);
        assert.ok((await list('/v1.0/users?$top=999&$select=id')).ids.includes(d.idAt(0) ?? ''));
    });

    it('faults: a page repeating the previous page’s last user, and a nextLink back to the page itself', async () => {
        sandbox.faults.graph.duplicateUsers(1);
        const first = await list('/v1.0/users?$top=10&$select=id');
        const second = await list(String(first.body['@odata.nextLink']).replace(graph, ''));
        assert.equal(second.ids[0], first.ids.at(-1));
        sandbox.faults.graph.repeatNextLink(1);
        const looping = await list('/v1.0/users?$top=10&$select=id');
        assert.equal(looping.body['@odata.nextLink'], `${graph}/v1.0/users?$top=10&$select=id`);
        // After one page answered normally: the second page's link points back at the second page.
        sandbox.faults.graph.repeatNextLink(1, 1);
        const normal = await list('/v1.0/users?$top=10&$select=id');
        const next = String(normal.body['@odata.nextLink']);
        assert.notEqual(next, `${graph}/v1.0/users?$top=10&$select=id`);
        assert.equal((await list(next.replace(graph, ''))).body['@odata.nextLink'], next);
        assert.notEqual((await list(next.replace(graph, ''))).body['@odata.nextLink'], next, 'the fault cleared itself');
    });
});
