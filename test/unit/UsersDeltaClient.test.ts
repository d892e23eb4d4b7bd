/**
 * The delta client's reading of Graph's answers (fetch stubbed; the wire behaviour is tested
 * against the sandbox in test/export/deltaExport.test.ts): the three "start over" answers are a
 * typed signal, other failures stay failures, and a page with both links or neither is refused.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { AppError } from '../../src/errors/AppError.js';
import { DeltaTokenExpired } from '../../src/graph/DeltaTokenExpired.js';
import { GraphClient } from '../../src/graph/GraphClient.js';
import { UsersDeltaClient } from '../../src/graph/UsersDeltaClient.js';

const endpoint = 'https://graph.example';
const realFetch = globalThis.fetch;
const deltaLink = `${endpoint}/v1.0/users/delta?$deltatoken=Zq9cursorValue`;
const next = `${endpoint}/v1.0/users/delta?$skiptoken=p2`;

function serve(answers: Record<string, () => Response>): string[] {
    const requested: string[] = [];
    globalThis.fetch = (input: string | URL | Request) => {
        const url = input instanceof Request ? input.url : input.toString();
        requested.push(url);
        const answer = answers[url];
        return Promise.resolve(answer === undefined ? new Response('{"error":{"code":"x","message":"y"}}', { status: 404 }) : answer());
    };
    return requested;
}

const json =
    (status: number, body: unknown, headers: Record<string, string> = {}) =>
    () =>
        new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const graphError = (status: number, code: string, innerCode?: string, headers?: Record<string, string>) =>
    json(
        status,
        { error: { code, message: 'm', innerError: { ...(innerCode === undefined ? {} : { code: innerCode }), 'request-id': 'r-1' } } },
        headers,
    );

function client(): UsersDeltaClient {
    return new UsersDeltaClient(
        new GraphClient({
            graphEndpoint: endpoint,
            tenantId: 'contoso.onmicrosoft.com',
            tokens: { getToken: () => Promise.resolve({ token: 't', expiresOn: undefined, fromCache: true, keyVaultMs: 0, tokenMs: 0 }) },
            retry: { maxAttempts: 1 },
        }),
    );
}

async function readRound(): Promise<unknown> {
    try {
        for await (const _page of client().round(deltaLink, ['id'])) {
            // Read every page.
        }
        return undefined;
    } catch (error) {
        return error;
    }
}

describe('UsersDeltaClient', () => {
    afterEach(() => {
        globalThis.fetch = realFetch;
    });

    for (const [name, answer, expected] of [
        ['400 syncStateNotFound', graphError(400, 'syncStateNotFound'), 'syncStateNotFound'],
        ['400 SyncStateNotFound (as Graph has also spelt it)', graphError(400, 'SyncStateNotFound'), 'syncStateNotFound'],
        ['400 with syncStateNotFound as the inner code', graphError(400, 'BadRequest', 'syncStateNotFound'), 'syncStateNotFound'],
        ['410 Gone with a Location', graphError(410, 'Gone', undefined, { location: `${endpoint}/v1.0/users/delta` }), 'gone'],
        ['resyncRequired', graphError(400, 'resyncRequired'), 'resyncRequired'],
        ['another 400 to the stored deltaLink', graphError(400, 'Request_BadRequest'), 'rejected'],
    ] as const) {
        it(`turns ${name} into a start-over signal`, async () => {
            serve({ [deltaLink]: answer });
            const error = await readRound();
            assert.ok(error instanceof DeltaTokenExpired, String(error));
            assert.equal(error.answer, expected);
            assert.ok(!error.message.includes('Zq9cursorValue'), 'the deltaLink is not in the message');
        });
    }

    it('a 400 in the middle of a round is a failure, not a start-over', async () => {
        serve({
            [deltaLink]: json(200, { '@odata.nextLink': next, value: [{ id: 'a' }] }),
            [next]: graphError(400, 'Request_BadRequest'),
        });
        const error = await readRound();
        assert.ok(error instanceof AppError && error.code === 'GraphBadRequest', String(error));
    });

    it('the token expiring mid-round is a start-over too', async () => {
        serve({ [deltaLink]: json(200, { '@odata.nextLink': next, value: [{ id: 'a' }] }), [next]: graphError(410, 'Gone') });
        const error = await readRound();
        assert.ok(error instanceof DeltaTokenExpired && error.answer === 'gone', String(error));
    });

    for (const [name, body] of [
        ['both links', { '@odata.nextLink': next, '@odata.deltaLink': deltaLink, value: [] }],
        ['neither link', { value: [] }],
    ] as const) {
        it(`refuses a page with ${name}`, async () => {
            serve({ [deltaLink]: json(200, body) });
            const error = await readRound();
            assert.ok(error instanceof AppError && error.code === 'GraphMalformedResponse', String(error));
        });
    }

    it('refuses a deltaLink on another origin before sending anything', async () => {
        const requested = serve({});
        await assert.rejects(
            async () => {
                for await (const _page of client().round('https://evil.example/v1.0/users/delta?$deltatoken=x', ['id'])) {
                    // Never reached.
                }
            },
            (error) => error instanceof AppError && error.code === 'GraphForeignNextLink',
        );
        assert.deepEqual(requested, []);
    });

    it('$deltatoken=latest: $select in the first request only, and a page of users instead of a deltaLink is refused', async () => {
        const latest = client().latestUrl(['displayName', 'mail']);
        assert.equal(latest, `${endpoint}/v1.0/users/delta?%24select=id%2CdisplayName%2Cmail&%24deltatoken=latest`);
        serve({ [latest]: json(200, { '@odata.deltaLink': deltaLink, value: [] }) });
        assert.equal(await client().latestDeltaLink(['displayName', 'mail']), deltaLink);
        serve({ [latest]: json(200, { '@odata.nextLink': next, value: [{ id: 'a' }] }) });
        await assert.rejects(
            client().latestDeltaLink(['displayName', 'mail']),
            (error) => error instanceof AppError && error.code === 'GraphMalformedResponse',
        );
    });
});
