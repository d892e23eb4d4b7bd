/**
 * Property-based fuzzing of every HTTP route with fast-check: 10,000 generated requests (query,
 * headers, method, pageToken and select all generated, with unicode, huge values, duplicates,
 * OData injection, encoded URLs and path tricks). The only outcomes allowed are the documented
 * 2xx/4xx, never a 5xx or an unhandled rejection, and nothing is fetched outside the sandbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import functions, { type HttpResponseInit } from '@azure/functions';
import { functionKeyAuthorizer } from '../../src/callerAuth/CallerAuthorizer.js';
import { createExportLatestHttpHandler } from '../../src/functions/handlers/createExportLatestHttpHandler.js';
import { createUsersHttpHandler } from '../../src/functions/handlers/createUsersHttpHandler.js';
import { selectableUserProperties } from '../../src/users/userProperties.js';
import { hygiene } from '../support/hygieneGuard.js';
import { startExportTestKit, type ExportTestKit } from '../support/startExportTestKit.js';

const { HttpRequest, HttpResponse, InvocationContext } = functions;
const RUNS = 10_000;

const documented: Readonly<Record<string, ReadonlySet<number>>> = {
    users: new Set([200, 400, 405, 406]),
    'users/export/latest': new Set([200, 400, 405]),
};

describe('HTTP fuzz', () => {
    let kit: ExportTestKit;
    const fetched = new Map<string, number>();
    const realFetch = globalThis.fetch;
    let unhandled = 0;
    const onUnhandled = (): void => {
        unhandled += 1;
    };

    before(async () => {
        kit = await startExportTestKit({ userCount: 25 });
        // Record every origin and path the process fetches, on top of the sandbox's own log.
        globalThis.fetch = (input, init) => {
            const url = new URL(input instanceof Request ? input.url : input);
            const key = `${url.origin}${url.pathname}`;
            fetched.set(key, (fetched.get(key) ?? 0) + 1);
            return realFetch(input, init);
        };
        process.on('unhandledRejection', onUnhandled);
    });

    after(async () => {
        globalThis.fetch = realFetch;
        process.off('unhandledRejection', onUnhandled);
        await kit.close();
    });

    it(`${RUNS.toLocaleString('en')} generated requests across all routes get only documented 2xx/4xx`, async () => {
        const target = await kit.newTarget();
        await target.run();
        // The export above reads /users/delta too; what is checked below is what the HTTP routes fetch.
        fetched.clear();
        kit.t.sandbox.clearRequestLog();
        // Page-token keys in the container: the token comes from another instance than the one under test.
        const first = await kit.t.invoke('top=5', target.newRuntime());
        const validToken = String(first.json.nextPageToken);
        const runtime = target.newRuntime();
        const store = target.exportRuntime().store;
        const handlers = {
            users: createUsersHttpHandler(
                () => runtime,
                () => functionKeyAuthorizer,
            ),
            'users/export/latest': createExportLatestHttpHandler(
                () => store,
                () => functionKeyAuthorizer,
            ),
        } as const;

        const tampered = (token: string, at: number): string => {
            const i = at % token.length;
            return `${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`;
        };
        const select = fc
            .subarray([...selectableUserProperties, 'password', 'passwordProfile', 'manager', "id'or'1'='1", 'DisplayName'])
            .map((names) => names.join(','));
        const nasty = fc.constantFrom(
            "id eq 'x' or 1 eq 1",
            "') or ('1'='1",
            '%27%20or%201%20eq%201',
            'id,displayName&$expand=manager',
            'https%3A%2F%2Fevil.example%2Fv1.0%2Fusers',
            'https://evil.example/v1.0/users?$skiptoken=x',
            '//evil.example/v1.0/users',
            '../../admin',
            '%2e%2e%2f%2e%2e%2fadmin',
            '/v1.0/users/../../me',
            Buffer.from('https://evil.example/v1.0/users').toString('base64url'),
            '\u0000\u202e\ud83d\ude00',
            '',
        );
        const value = fc.oneof(
            fc.integer({ min: -5, max: 2000 }).map(String),
            select,
            nasty,
            fc.string({ unit: 'grapheme', maxLength: 40 }),
            fc.string({ unit: 'binary', maxLength: 20 }),
            fc.string({ unit: 'grapheme-ascii', minLength: 1000, maxLength: 9000 }),
            fc.integer({ min: 0, max: 1000 }).map((at) => tampered(validToken, at)),
            fc.constant(validToken),
            fc.constantFrom('true', 'false', 'TRUE', '1'),
        );
        const key = fc.oneof(
            { weight: 6, arbitrary: fc.constantFrom('top', 'select', 'pageToken', 'all', 'code') },
            {
                weight: 2,
                arbitrary: fc.constantFrom(
                    '$top',
                    '$select',
                    '$filter',
                    '$expand',
                    '$skiptoken',
                    'Top',
                    'SELECT',
                    '__proto__',
                    'constructor',
                ),
            },
            { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }) },
        );
        const request = fc.record({
            route: fc.constantFrom('users', 'users/export/latest'),
            method: fc.oneof(
                { weight: 8, arbitrary: fc.constant('GET') },
                fc.constantFrom('HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
            ),
            params: fc.array(fc.tuple(key, value), { maxLength: 5 }),
            rawQuery: fc.boolean(),
            accept: fc.constantFrom('application/json', 'application/x-ndjson', '*/*', 'text/html', 'application/x-ndjson;q=0.1, */*', ''),
            extraHeader: fc.tuple(
                fc.constantFrom('x-forwarded-host', 'host', 'x-original-url', 'consistencylevel'),
                fc.string({ maxLength: 30 }),
            ),
        });

        let invocation = 0;
        const statuses = new Map<number, number>();
        await fc.assert(
            fc.asyncProperty(request, async (r) => {
                invocation += 1;
                const query = r.params
                    .map(([k, v]) => (r.rawQuery ? `${k}=${v}` : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`))
                    .join('&');
                let url: string;
                try {
                    url = new URL(`https://localhost:7071/api/${r.route}?${query}`).toString();
                } catch {
                    return true; // Not a URL a client could send.
                }
                const headers: Record<string, string> = { [r.extraHeader[0]]: r.extraHeader[1].replace(/[^\x20-\x7e]/g, '') };
                if (r.accept !== '') headers.accept = r.accept;
                const response: HttpResponseInit = await handlers[r.route](
                    new HttpRequest({ method: r.method, url, headers }),
                    new InvocationContext({ invocationId: `fuzz-${invocation}`, functionName: r.route, logHandler: kit.t.logs.logHandler }),
                );
                const status = response.status ?? 200;
                statuses.set(status, (statuses.get(status) ?? 0) + 1);
                const typed = new HttpResponse(response);
                const body = response.body === undefined ? JSON.stringify(response.jsonBody ?? null) : await typed.text();
                hygiene.recordCallerResponse({ status, headers: Object.fromEntries(typed.headers.entries()), body });
                if (!documented[r.route]!.has(status))
                    throw new Error(`status ${status} for ${r.method} ${url.slice(0, 300)}: ${body.slice(0, 300)}`);
                if (status === 200 && typed.headers.get('content-type')?.startsWith('application/x-ndjson') === true) {
                    // An all=true segment: users, then exactly one control line.
                    const keys = Object.keys(JSON.parse(body.trimEnd().split('\n').at(-1) ?? '') as Record<string, unknown>);
                    if (keys.length !== 1 || (keys[0] !== '@nextPageToken' && keys[0] !== '@end'))
                        throw new Error(`an all=true body did not end with a control line for ${url.slice(0, 300)}`);
                }
                return true;
            }),
            { numRuns: RUNS },
        );

        assert.equal(unhandled, 0, 'no unhandled rejections');
        assert.ok((statuses.get(200) ?? 0) > RUNS / 20, `some requests succeed: ${JSON.stringify([...statuses])}`);
        assert.ok((statuses.get(400) ?? 0) > RUNS / 20, `some requests are refused: ${JSON.stringify([...statuses])}`);
        const sandboxOrigins = new Set(
            ['AUTHORITY_HOST', 'KEY_VAULT_URL', 'GRAPH_ENDPOINT', 'IDENTITY_ENDPOINT'].map(
                (n) => new URL(kit.t.sandbox.settings[n]!).origin,
            ),
        );
        const graphOrigin = new URL(kit.t.sandbox.settings.GRAPH_ENDPOINT!).origin;
        for (const fetchedUrl of fetched.keys()) {
            const url = new URL(fetchedUrl);
            assert.ok(sandboxOrigins.has(url.origin), `fetched outside the sandbox: ${url.origin}`);
            if (url.origin === graphOrigin) assert.equal(url.pathname, '/v1.0/users');
        }
        for (const r of kit.t.sandbox.requests.filter((q) => q.service === 'graph')) {
            assert.equal(r.path, '/v1.0/users', `Graph path ${r.path}`);
            assert.ok(r.host.startsWith('127.0.0.1:'), `Graph host ${r.host}`);
        }
        console.log(
            `HTTP fuzz: ${RUNS} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}, fetched ${JSON.stringify([...fetched])}`,
        );
    });
});
