/** `GraphClient.listUserPages` requesting one page ahead from the nextLink guessed in the raw body. */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../src/errors/AppError.js';
import { GraphClient } from '../../src/graph/GraphClient.js';
import type { UsersPage } from '../../src/graph/GraphUser.js';

const endpoint = 'https://graph.example';
const realFetch = globalThis.fetch;

interface Served {
    readonly requested: string[];
    inFlight: number;
    maxInFlight: number;
    aborted: number;
}

/** Serves `bodies` by URL after `delayMs`; unknown URLs get a 404. */
function serve(bodies: Record<string, string>, delayMs = 5): Served {
    const served: Served = { requested: [], inFlight: 0, maxInFlight: 0, aborted: 0 };
    globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
        const url = input instanceof Request ? input.url : input.toString();
        served.requested.push(url);
        served.inFlight += 1;
        served.maxInFlight = Math.max(served.maxInFlight, served.inFlight);
        try {
            await sleep(delayMs, undefined, { signal: init?.signal ?? undefined });
        } catch (error) {
            served.aborted += 1;
            throw error;
        } finally {
            served.inFlight -= 1;
        }
        const body = bodies[url];
        if (body === undefined) return new Response('{"error":{"code":"Request_ResourceNotFound","message":"no"}}', { status: 404 });
        return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
    };
    return served;
}

const link = (n: number): string => `${endpoint}/v1.0/users?$top=2&$skiptoken=${n}`;
const page = (ids: string[], next: string | undefined): string =>
    JSON.stringify({ '@odata.context': 'c', ...(next === undefined ? {} : { '@odata.nextLink': next }), value: ids.map((id) => ({ id })) });

function client(): GraphClient {
    return new GraphClient({
        graphEndpoint: endpoint,
        tenantId: 'contoso.onmicrosoft.com',
        tokens: { getToken: () => Promise.resolve({ token: 't', expiresOn: undefined, fromCache: true, keyVaultMs: 0, tokenMs: 0 }) },
        retry: { maxAttempts: 1 },
    });
}

describe('listUserPages with one request ahead', () => {
    afterEach(() => {
        globalThis.fetch = realFetch;
    });
    const first = `${endpoint}/v1.0/users?%24top=2`;

    it('yields every page in order, never more than one request ahead of the page held', async () => {
        const bodies: Record<string, string> = { [first]: page(['0'], link(1)) };
        for (let i = 1; i < 6; i += 1) bodies[link(i)] = page([String(i)], i < 5 ? link(i + 1) : undefined);
        const served = serve(bodies);
        const ids: string[] = [];
        let started = 0;
        for await (const p of client().listUserPages({ top: 2 })) {
            ids.push(...p.users.map((u) => u.id));
            // While the caller holds a page, at most the next one has been requested.
            assert.ok(served.requested.length <= ids.length + 1, `${served.requested.length} requests with ${ids.length} pages read`);
            started = served.requested.length;
            await sleep(20);
        }
        assert.deepEqual(ids, ['0', '1', '2', '3', '4', '5']);
        assert.equal(started, 6);
        assert.equal(served.maxInFlight, 1);
        assert.equal(served.aborted, 0);
    });

    it('follows the parsed nextLink when the guess from the raw body differs, and drops the guess', async () => {
        // Duplicate keys: the leading one is guessed, JSON.parse keeps the last.
        const tricky = `{"@odata.nextLink":"${link(9)}","value":[{"id":"0"}],"@odata.nextLink":"${link(1)}"}`;
        const served = serve({ [first]: tricky, [link(1)]: page(['1'], undefined), [link(9)]: page(['wrong'], undefined) }, 30);
        const pages: UsersPage[] = [];
        for await (const p of client().listUserPages({ top: 2 })) pages.push(p);
        assert.deepEqual(
            pages.flatMap((p) => p.users.map((u) => u.id)),
            ['0', '1'],
        );
        assert.ok(served.requested.includes(link(1)));
    });

    it('aborts and awaits the request ahead when the caller stops early', async () => {
        const served = serve({ [first]: page(['0'], link(1)), [link(1)]: page(['1'], link(2)) }, 50);
        for await (const p of client().listUserPages({ top: 2 })) {
            assert.equal(p.users[0]?.id, '0');
            break;
        }
        assert.equal(served.inFlight, 0, 'nothing left running');
        assert.equal(served.aborted, 1);
    });

    it("surfaces the request ahead's failure when its page is due, not before", async () => {
        serve({ [first]: page(['0'], link(1)) }, 5);
        const ids: string[] = [];
        await assert.rejects(
            async () => {
                for await (const p of client().listUserPages({ top: 2 })) {
                    ids.push(...p.users.map((u) => u.id));
                    await sleep(30);
                }
            },
            (error) => error instanceof AppError,
        );
        assert.deepEqual(ids, ['0']);
    });

    it('never sends the token to a guessed link on another origin', async () => {
        const foreign = 'https://evil.example/v1.0/users?$skiptoken=1';
        const tricky = `{"@odata.nextLink":"${foreign}","value":[{"id":"0"}],"@odata.nextLink":"${link(1)}"}`;
        const served = serve({ [first]: tricky, [link(1)]: page(['1'], undefined) });
        const ids: string[] = [];
        for await (const p of client().listUserPages({ top: 2 })) ids.push(...p.users.map((u) => u.id));
        assert.deepEqual(ids, ['0', '1']);
        assert.ok(served.requested.every((u) => u.startsWith(endpoint)));
    });

    for (const loop of ['to itself', 'to an earlier page']) {
        it(`stops with GraphRepeatedNextLink on a nextLink ${loop}, never an endless loop`, async () => {
            const back = loop === 'to itself' ? link(2) : link(1);
            const served = serve({ [first]: page(['0'], link(1)), [link(1)]: page(['1'], link(2)), [link(2)]: page(['2'], back) });
            const ids: string[] = [];
            await assert.rejects(
                async () => {
                    for await (const p of client().listUserPages({ top: 2 })) ids.push(...p.users.map((u) => u.id));
                },
                (error) => error instanceof AppError && error.code === 'GraphRepeatedNextLink' && !error.message.includes('skiptoken'),
            );
            // Like a page with a foreign nextLink, the page carrying the looping link is refused whole.
            assert.deepEqual(ids, ['0', '1']);
            assert.equal(served.requested.length, 3, 'the repeated page is never requested again');
        });
    }
});
