import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGuardedSandbox } from '../support/startGuardedSandbox.js';
import type { Sandbox } from '../../sandbox/index.js';
import { acquireGraphToken } from './acquireGraphToken.js';

interface Page {
    status: number;
    headers: Headers;
    body: Record<string, unknown>;
}

describe('Graph /v1.0/users stand-in', () => {
    let sandbox: Sandbox;
    let token: string;
    let graph: string;
    before(async () => {
        sandbox = await startGuardedSandbox({ userCount: 2500 });
        graph = sandbox.settings.GRAPH_ENDPOINT ?? '';
        token = await acquireGraphToken(sandbox);
    });
    after(() => sandbox.close());

    const get = async (url: string, bearer: string | null = token): Promise<Page> => {
        const response = await fetch(url.startsWith('https:') ? url : `${graph}${url}`, {
            headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` },
        });
        return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
    };
    const errorCode = (page: Page): unknown => (page.body.error as { code?: unknown } | undefined)?.code;

    it('pages through 2,500 users, each id exactly once, in user order', async () => {
        sandbox.counters.reset();
        const ids = new Set<string>();
        let url: string | undefined = '/v1.0/users?$top=999&$select=id,displayName';
        let pages = 0;
        while (url !== undefined && pages < 10) {
            const page = await get(url);
            assert.equal(page.status, 200);
            assert.ok(page.headers.get('request-id'));
            assert.ok(page.headers.get('client-request-id'));
            for (const user of page.body.value as { id: string }[]) ids.add(user.id);
            url = page.body['@odata.nextLink'] as string | undefined;
            if (url !== undefined)
                assert.match(url, new RegExp(`^${graph}/v1\\.0/users\\?\\$top=999&\\$select=id,displayName&\\$skiptoken=[\\w-]+$`));
            pages++;
        }
        assert.equal(ids.size, 2500);
        assert.equal(pages, 3);
        assert.deepEqual([sandbox.counters.graphPages, sandbox.counters.graphRequests], [3, 3]);
        assert.ok(ids.has(sandbox.userAt(2499).id));
    });

    it('returns the 11 default properties, matching userAt, with a default page of 100', async () => {
        const page = await get('/v1.0/users');
        const value = page.body.value as Record<string, unknown>[];
        assert.equal(value.length, 100);
        assert.deepEqual(value[7], { ...sandbox.userAt(7) });
        assert.equal(page.body['@odata.context'], `${graph}/v1.0/$metadata#users`);
    });

    it('rejects bad $select, $top, unknown options and a tampered $skiptoken with 400', async () => {
        const unknownProperty = await get('/v1.0/users?$select=id,shoeSize');
        assert.equal(unknownProperty.status, 400);
        assert.match(
            (unknownProperty.body.error as { message: string }).message,
            /Could not find a property named 'shoeSize' on type 'microsoft\.graph\.user'\./,
        );
        for (const query of ['$top=0', '$top=1000', '$top=abc', '$skip=5', 'foo=bar']) {
            assert.equal((await get(`/v1.0/users?${query}`)).status, 400, query);
        }
        const first = await get('/v1.0/users?$top=5');
        const next = String(first.body['@odata.nextLink']);
        const tampered = next.replace(/skiptoken=(.)/, (_, c: string) => `skiptoken=${c === 'A' ? 'B' : 'A'}`);
        assert.equal((await get(tampered)).status, 400);
    });

    it('answers 401 InvalidAuthenticationToken for missing, forged and expired tokens', async () => {
        const missing = await get('/v1.0/users', null);
        assert.deepEqual([missing.status, errorCode(missing)], [401, 'InvalidAuthenticationToken']);
        const inner = (missing.body.error as { innerError: Record<string, string> }).innerError;
        assert.deepEqual(Object.keys(inner).sort(), ['client-request-id', 'date', 'request-id']);
        assert.equal(inner['request-id'], missing.headers.get('request-id'));
        const [h, p] = token.split('.');
        const forged = await get('/v1.0/users', `${h}.${p}.${'A'.repeat(342)}`);
        assert.equal(forged.status, 401);

        const shortLived = await startGuardedSandbox({ userCount: 3, graphTokenLifetimeSeconds: 1 });
        try {
            const shortToken = await acquireGraphToken(shortLived);
            const url = `${shortLived.settings.GRAPH_ENDPOINT}/v1.0/users`;
            assert.equal((await get(url, shortToken)).status, 200);
            await sleep(1100);
            const expired = await get(url, shortToken);
            assert.equal(expired.status, 401);
            assert.equal((expired.body.error as { message: string }).message, 'Access token has expired or is not yet valid.');
            assert.equal((await get(url, token)).status, 401, 'a token for another Graph origin is refused');
        } finally {
            await shortLived.close();
        }
    });

    it('answers 403 Authorization_RequestDenied when the token has no User.Read.All role', async () => {
        sandbox.setAppRoles([]);
        try {
            const noRoles = await acquireGraphToken(sandbox);
            const page = await get('/v1.0/users', noRoles);
            assert.deepEqual([page.status, errorCode(page)], [403, 'Authorization_RequestDenied']);
            assert.equal((page.body.error as { message: string }).message, 'Insufficient privileges to complete the operation.');
        } finally {
            sandbox.setAppRoles(['User.Read.All']);
        }
    });

    it('throttle and fail faults answer Graph-shaped errors for the next N requests', async () => {
        sandbox.faults.graph.throttle(2, '1');
        for (let i = 0; i < 2; i++) {
            const page = await get('/v1.0/users?$top=1');
            assert.deepEqual([page.status, errorCode(page), page.headers.get('retry-after')], [429, 'TooManyRequests', '1']);
        }
        sandbox.faults.graph.throttle(1);
        assert.equal((await get('/v1.0/users?$top=1')).headers.get('retry-after'), null);
        sandbox.faults.graph.fail(1, 504);
        assert.equal((await get('/v1.0/users?$top=1')).status, 504);
        assert.equal((await get('/v1.0/users?$top=1')).status, 200);
    });

    it('resetConnection cuts the body; malformed sends broken JSON', async () => {
        sandbox.faults.graph.resetConnection(1);
        await assert.rejects(async () => {
            const response = await fetch(`${graph}/v1.0/users`, { headers: { authorization: `Bearer ${token}` } });
            await response.text();
        });
        sandbox.faults.graph.malformed(1);
        const response = await fetch(`${graph}/v1.0/users`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(response.status, 200);
        await assert.rejects(response.json(), SyntaxError);
        assert.equal((await get('/v1.0/users?$top=1')).status, 200);
    });

    it('foreignNextLink points the next page elsewhere; latency delays responses', async () => {
        sandbox.faults.graph.foreignNextLink(1, 'https://attacker.example');
        const page = await get('/v1.0/users?$top=2');
        assert.match(String(page.body['@odata.nextLink']), /^https:\/\/attacker\.example\/v1\.0\/users\?/);
        assert.match(String((await get('/v1.0/users?$top=2')).body['@odata.nextLink']), new RegExp(`^${graph}/`));
        sandbox.faults.graph.latencyMs = 150;
        const started = Date.now();
        await get('/v1.0/users?$top=1');
        sandbox.faults.graph.latencyMs = 0;
        assert.ok(Date.now() - started >= 140);
    });

    it('serves any page of a 1,000,000-user directory without materialising it', async () => {
        const big = await startGuardedSandbox({ userCount: 1_000_000 });
        try {
            const bigToken = await acquireGraphToken(big);
            const page = await get(`${big.settings.GRAPH_ENDPOINT}/v1.0/users?$top=999&$select=id,userPrincipalName`, bigToken);
            assert.equal((page.body.value as unknown[]).length, 999);
            assert.match(big.userAt(999_999).userPrincipalName, /\.999999@contoso\.sandbox$/);
        } finally {
            await big.close();
        }
    });
});
