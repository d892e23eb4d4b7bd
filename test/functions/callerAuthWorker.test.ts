/**
 * Entra ID caller authorization end to end, the way the Node worker runs the deployed bundle
 * (test/support/worker), with API_AUDIENCE set: real HTTP requests through the library's HTTP proxy.
 * Each rejection's status and WWW-Authenticate header, the audit line, every route guarded, the
 * download route's redirect, a fast-check token fuzzer (5,000 cases: alg none, HS256 signed with the
 * public key, swapped kid, wrong aud/iss/tid, exp/nbf edges, missing or extra roles, truncated and
 * oversized tokens; no forgery accepted, no 5xx) and a key rollover accepted after exactly one
 * refetch. The 10,000-request load runs in a cold process of its own (callerAuthLoad.test.ts).
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { after, afterEach, before, describe, it, mock } from 'node:test';
import { BlobServiceClient } from '@azure/storage-blob';
import fc from 'fast-check';
import { SignJWT, type JWTPayload } from 'jose';
import { CLOCK_SKEW_SECONDS } from '../../src/callerAuth/CallerTokenValidator.js';
import { MAX_TOKEN_LENGTH } from '../../src/callerAuth/readBearerToken.js';
import { ENTRA_METADATA_RETRY_AFTER_SECONDS } from '../../src/callerAuth/entraMetadataRequests.js';
import { SIGNING_KEYS_COOLDOWN_MS } from '../../src/callerAuth/SigningKeys.js';
import {
    SANDBOX_CALLER_APP_ID,
    SANDBOX_CALLER_USER_ID,
    SANDBOX_OTHER_TENANT_ID,
    SANDBOX_UNAUTHORIZED_APP_ID,
    type CallerTokens,
} from '../../sandbox/index.js';
import { startOAuthExportStorage, type OAuthExportStorage } from '../support/startOAuthExportStorage.js';
import { startTestSandbox, type TestSandbox } from '../support/startTestSandbox.js';
import { startWorkerHarness, type ProxiedResponse, type WorkerHarness } from '../support/worker/startWorkerHarness.js';

const FUZZ_RUNS = 5_000;

let t: TestSandbox;
let storage: OAuthExportStorage;
let worker: WorkerHarness;
let tokens: CallerTokens;
let containerName: string;

before(async () => {
    t = await startTestSandbox({ userCount: 30 });
    storage = await startOAuthExportStorage();
    const container = await storage.newContainer();
    containerName = container.name;
    tokens = t.sandbox.callerTokens;
    worker = await startWorkerHarness({ env: { ...t.sandbox.settings, ...tokens.settings, ...container.env } });
    // One export first, on the real clock: the app's Key Vault, Graph and Storage tokens (cached for
    // hours) must not be issued while a test below moves the clock, or Azurite would see them as early.
    const run = await worker.timer('usersExport');
    assert.equal(run.error, undefined, JSON.stringify(run.error));
});

after(async () => {
    await worker.close();
    await storage.close();
    await t.close();
});

afterEach(() => {
    assert.deepEqual(worker.logs.lateLogWarnings(), [], 'no log after an invocation completed');
});

const get = (path: string, authorization?: string): Promise<ProxiedResponse> =>
    worker.http({ path, headers: { accept: 'application/json', ...(authorization === undefined ? {} : { authorization }) } });
const bearer = (token: string): string => `Bearer ${token}`;

function summaryOf(response: ProxiedResponse): Record<string, unknown> {
    const line = worker.logs.userMessages(response.invocationId ?? '').find((m) => m.includes('"event":"graphUsers.invocation"'));
    assert.ok(line !== undefined, 'the invocation logged its summary');
    return JSON.parse(line) as Record<string, unknown>;
}

describe('caller authorization through the Node worker and its HTTP proxy', () => {
    it('before any key was read, unreachable keys are a 503 with Retry-After and no challenge, then the next read works', async () => {
        mock.timers.enable({ apis: ['Date'], now: Date.now() });
        try {
            t.sandbox.faults.discovery.fail(1, 503);
            const down = await get('/api/users?top=1', bearer(await tokens.issue()));
            assert.equal(down.status, 503, down.text());
            assert.equal(down.json().code, 'CallerAuthUnavailable');
            assert.equal(down.headers['retry-after'], String(ENTRA_METADATA_RETRY_AFTER_SECONDS));
            assert.equal(down.headers['www-authenticate'], undefined, 'never a 401 that blames the caller');
            assert.ok(worker.logs.userMessages(down.invocationId ?? '').some((m) => m.includes('discovery/v2.0/keys')));
            mock.timers.tick(ENTRA_METADATA_RETRY_AFTER_SECONDS * 1000 + 1);
            assert.equal((await get('/api/users?top=1', bearer(await tokens.issue()))).status, 200);
        } finally {
            mock.timers.reset();
        }
    });

    it('declares every HTTP route without function keys: the token is the credential', () => {
        const http = worker.functions.filter((f) => f.bindings.some((b) => b.type === 'httpTrigger'));
        assert.deepEqual(http.map((f) => f.name).sort(), ['users', 'usersExportLatest', 'usersExportLatestContent']);
        for (const f of http) assert.equal(f.bindings.find((b) => b.type === 'httpTrigger')?.authLevel, 'anonymous', f.name);
    });

    it('accepts v1 and v2, application and user tokens with the role; the summary names the caller, never the token', async () => {
        for (const [version, kind] of [
            [2, 'application'],
            [1, 'application'],
            [2, 'user'],
            [1, 'user'],
        ] as const) {
            const token = await tokens.issue({ version, kind });
            const response = await get('/api/users?top=2', bearer(token));
            assert.equal(response.status, 200, `${version} ${kind}: ${response.text()}`);
            const summary = summaryOf(response);
            assert.equal(summary.auth, 'entraId');
            assert.deepEqual(summary.caller, {
                oid: kind === 'user' ? SANDBOX_CALLER_USER_ID : tokens.claims({ version }).oid,
                appId: SANDBOX_CALLER_APP_ID,
                tid: t.sandbox.tenantId,
                type: kind,
                role: 'Users.Read.All',
                tokenVersion: `${version}.0`,
            });
            assert.ok(!worker.logs.records.some((r) => r.message.includes(token.slice(-40))), 'the token is never logged');
        }
    });

    it('each rejection: its status, code and WWW-Authenticate header, before anything reaches Graph', async () => {
        const rows: { name: string; authorization: string | undefined; status: number; header: RegExp }[] = [
            { name: 'no Authorization header', authorization: undefined, status: 401, header: /^Bearer$/ },
            { name: 'Basic credentials', authorization: 'Basic dXNlcjpwYXNz', status: 401, header: /^Bearer$/ },
            {
                name: 'Bearer and nothing',
                authorization: 'Bearer ',
                status: 401,
                header: /^Bearer error="invalid_request", error_description="/,
            },
            { name: 'two tokens', authorization: 'Bearer a.b.c, Bearer d.e.f', status: 401, header: /^Bearer error="invalid_request"/ },
            {
                name: 'not a JWT',
                authorization: 'Bearer opaque-token',
                status: 401,
                header: /^Bearer error="invalid_token", error_description="The bearer token is not a JSON Web Token\."$/,
            },
            {
                name: 'expired',
                authorization: bearer(await tokens.issue({ expiresInSeconds: -CLOCK_SKEW_SECONDS - 30 })),
                status: 401,
                header: /^Bearer error="invalid_token", error_description="The token has expired\."$/,
            },
            {
                name: 'not valid yet',
                authorization: bearer(await tokens.issue({ notBeforeInSeconds: CLOCK_SKEW_SECONDS + 30 })),
                status: 401,
                header: /error_description="The token is not valid yet\."/,
            },
            {
                name: 'another tenant',
                authorization: bearer(await tokens.issue({ tenant: 'other' })),
                status: 401,
                header: /error_description="The token was not issued by this tenant's Entra ID\."/,
            },
            {
                name: 'another audience',
                authorization: bearer(await tokens.issue({ audience: 'https://graph.microsoft.com' })),
                status: 401,
                header: /another audience/,
            },
            {
                name: 'an unknown signing key',
                authorization: bearer(await tokens.issue({ signingKey: 'unknown' })),
                status: 401,
                header: /does not publish/,
            },
            {
                name: 'oversized',
                authorization: bearer('a'.repeat(MAX_TOKEN_LENGTH + 1)),
                status: 401,
                header: /^Bearer error="invalid_token"/,
            },
            {
                name: 'an ID token (no azp)',
                authorization: bearer(await tokens.issue({ claims: { azp: undefined } })),
                status: 401,
                header: /names no client application \('azp'\)/,
            },
            {
                name: 'our issuer, another tid',
                authorization: bearer(await tokens.issue({ claims: { tid: SANDBOX_OTHER_TENANT_ID } })),
                status: 401,
                header: /from another tenant/,
            },
            {
                name: 'v1 claims under the v2 issuer',
                authorization: bearer(await tokens.issue({ claims: { ver: '1.0' } })),
                status: 401,
                header: /version does not match its issuer/,
            },
            {
                name: 'HS256',
                authorization: bearer(`${Buffer.from('{"alg":"HS256","kid":"k"}').toString('base64url')}.e30.c2ln`),
                status: 401,
                header: /only algorithm accepted/,
            },
            {
                name: 'no app role',
                authorization: bearer(await tokens.issue({ roles: [], appId: SANDBOX_UNAUTHORIZED_APP_ID })),
                status: 403,
                header: /^Bearer error="insufficient_scope", error_description="The token carries no 'Users\.Read\.All' app role\./,
            },
        ];
        for (const row of rows) {
            const graphBefore = t.sandbox.counters.graphRequests;
            const response = await get('/api/users?top=1', row.authorization);
            assert.equal(response.status, row.status, `${row.name}: ${response.text()}`);
            assert.equal(response.headers['content-type'], 'application/problem+json', row.name);
            const problem = response.json();
            assert.equal(problem.code, row.status === 401 ? 'CallerUnauthorized' : 'CallerForbidden', row.name);
            assert.equal(problem.title, row.status === 401 ? 'Unauthorized' : 'Forbidden', row.name);
            assert.equal(problem.invocationId, response.invocationId, row.name);
            assert.match(String(response.headers['www-authenticate']), row.header, row.name);
            assert.equal(t.sandbox.counters.graphRequests, graphBefore, `${row.name}: nothing reached Graph`);
            assert.equal(summaryOf(response).errorCode, problem.code);
            // A refused caller is not a fault of the app: warning, so scanners do not fill the errors.
            assert.deepEqual(
                worker.logs
                    .forInvocation(response.invocationId ?? '')
                    .filter((r) => r.logCategory === 'user' && r.level === 'error')
                    .map((r) => r.message),
                [],
                row.name,
            );
            assert.equal(
                worker.logs.forInvocation(response.invocationId ?? '').find((r) => r.message.includes('"event":"graphUsers.invocation"'))
                    ?.level,
                'warning',
                row.name,
            );
        }
    });

    it('guards the export routes too; a caller with the role follows the redirect and downloads the snapshot', async () => {
        for (const path of ['/api/users/export/latest', '/api/users/export/latest/content']) {
            const refused = await get(path);
            assert.equal(refused.status, 401, path);
            assert.equal(refused.headers['www-authenticate'], 'Bearer', path);
        }
        const authorization = bearer(await tokens.issue());
        const manifest = (await get('/api/users/export/latest', authorization)).json() as { sha256: string; userCount: number };
        const redirect = await get('/api/users/export/latest/content', authorization);
        assert.equal(redirect.status, 307, redirect.text());
        const location = String(redirect.headers.location);
        assert.equal(new URL(location).searchParams.get('sp'), 'r');
        const download = await fetch(location);
        assert.equal(download.status, 200);
        const bytes = Buffer.from(await download.arrayBuffer());
        assert.equal(createHash('sha256').update(bytes).digest('hex'), manifest.sha256);
        const signature = new URL(location).searchParams.get('sig') ?? '';
        assert.ok(!worker.logs.records.some((r) => r.message.includes(signature)), 'the link is never logged');
        assert.equal((summaryOf(redirect).snapshot as { userCount: number }).userCount, manifest.userCount);
    });

    it('a forged latest.json that names another blob (the page-token key ring) gets no link: 500 ExportFailed, the reason in the log', async () => {
        const blobs = BlobServiceClient.fromConnectionString(storage.azurite.connectionString).getContainerClient(containerName);
        const latest = blobs.getBlockBlobClient('latest.json');
        const original = (await latest.downloadToBuffer()).toString('utf8');
        const authorization = bearer(await tokens.issue());
        assert.equal((await get('/api/users?top=1', authorization)).status, 200);
        assert.ok(await blobs.getBlobClient('keys/page-tokens.json').exists(), 'the key ring the forgery aims at exists');
        try {
            for (const blobName of ['keys/page-tokens.json', 'snapshots/../keys/page-tokens.json']) {
                const forged = JSON.stringify({ ...(JSON.parse(original) as Record<string, unknown>), blobName });
                await latest.upload(forged, Buffer.byteLength(forged), { blobHTTPHeaders: { blobContentType: 'application/json' } });
                const response = await get('/api/users/export/latest/content', authorization);
                assert.equal(response.status, 500, `${blobName}: ${response.text()}`);
                assert.equal(response.json().code, 'ExportFailed', blobName);
                assert.equal(response.headers.location, undefined, blobName);
                assert.ok(
                    worker.logs
                        .userMessages(response.invocationId ?? '')
                        .some((m) => m.includes('"blobName" is not a snapshot name this app writes')),
                    blobName,
                );
            }
        } finally {
            await latest.upload(original, Buffer.byteLength(original), { blobHTTPHeaders: { blobContentType: 'application/json' } });
        }
        assert.equal((await get('/api/users/export/latest/content', authorization)).status, 307, 'the real manifest still works');
    });

    it(`token fuzzer: ${FUZZ_RUNS.toLocaleString('en')} generated tokens, no forgery accepted, no 5xx`, async () => {
        // Frozen clock: exp/nbf edges are exact to the second on both sides of the skew, and no key refetch
        // happens (the cool-down never ends), so unknown key ids cost nothing.
        const now = Math.floor(Date.now() / 1000);
        mock.timers.enable({ apis: ['Date'], now: now * 1000 });
        try {
            await fuzz(now);
        } finally {
            mock.timers.reset();
        }
    });

    it('key rollover: a new key id is accepted after exactly one refetch of the keys', async () => {
        mock.timers.enable({ apis: ['Date'], now: Date.now() });
        try {
            const kid = await tokens.rollOver();
            mock.timers.tick(SIGNING_KEYS_COOLDOWN_MS + 1000);
            const before = t.sandbox.counters.jwksRequests;
            const fresh = await tokens.issue();
            const statuses = [];
            for (let i = 0; i < 5; i += 1) statuses.push((await get('/api/users?top=1', bearer(fresh))).status);
            assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
            assert.equal(t.sandbox.counters.jwksRequests - before, 1, `exactly one refetch for ${kid}`);
            // Tokens signed with the old key still pass: it stays published.
            assert.equal((await get('/api/users?top=1', bearer(await tokens.sign(tokens.claims())))).status, 200);
            assert.equal(t.sandbox.counters.jwksRequests - before, 1);
        } finally {
            mock.timers.reset();
        }
    });
});

/** A generated token and the answer the API owes it. */
interface FuzzCase {
    readonly kind: string;
    readonly authorization: string;
    readonly expected: 200 | 401 | 403;
}

async function fuzz(now: number): Promise<void> {
    const base = (claims: Record<string, unknown> = {}): JWTPayload => tokens.claims({ now, claims });
    const currentKid = await tokens.currentKid();
    const publicJwk = (await tokens.jwks()).at(-1) ?? {};
    const foreignKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const skew = CLOCK_SKEW_SECONDS;

    const valid = fc.record({
        version: fc.constantFrom(1 as const, 2 as const),
        kind: fc.constantFrom('application' as const, 'user' as const),
        extraRoles: fc.array(fc.constantFrom('Users.Read', 'Audit.Read', 'x'), { maxLength: 3 }),
        exp: fc.integer({ min: -skew + 1, max: 7200 }),
        nbf: fc.integer({ min: -7200, max: skew }),
    });
    const forged: fc.Arbitrary<() => Promise<FuzzCase>> = fc.oneof(
        {
            weight: 3,
            arbitrary: valid.map((a) => async (): Promise<FuzzCase> => {
                const claims = tokens.claims({ now, version: a.version, kind: a.kind, roles: ['Users.Read.All', ...a.extraRoles] });
                return {
                    kind: 'valid',
                    authorization: bearer(await tokens.sign({ ...claims, exp: now + a.exp, nbf: now + a.nbf })),
                    expected: 200,
                };
            }),
        },
        fc.integer({ min: -7200, max: -skew }).map((offset) => async (): Promise<FuzzCase> => ({
            kind: 'expired',
            authorization: bearer(await tokens.sign(base({ exp: now + offset }))),
            expected: 401,
        })),
        fc.integer({ min: skew + 1, max: 7200 }).map((offset) => async (): Promise<FuzzCase> => ({
            kind: 'not valid yet',
            authorization: bearer(await tokens.sign(base({ nbf: now + offset }))),
            expected: 401,
        })),
        fc
            .oneof(
                fc.constant(undefined),
                fc.constant([]),
                fc.constant('Users.Read.All'),
                fc.array(fc.constantFrom('Users.Read', 'users.read.all', 'Users.Read.All ', 'User.Read.All', 'Users.ReadAll'), {
                    minLength: 1,
                    maxLength: 3,
                }),
            )
            .map((roles) => async (): Promise<FuzzCase> => ({
                kind: 'roles',
                authorization: bearer(await tokens.sign(base({ roles }))),
                expected: 403,
            })),
        fc
            .oneof(
                fc.constantFrom(
                    'https://graph.microsoft.com',
                    `api://${SANDBOX_UNAUTHORIZED_APP_ID}`,
                    SANDBOX_CALLER_APP_ID,
                    `${tokens.appIdUri}/`,
                    tokens.apiClientId.toUpperCase(),
                ),
                fc.uuid(),
                fc.string({ maxLength: 40 }),
            )
            .map((aud) => async (): Promise<FuzzCase> => ({
                kind: 'audience',
                authorization: bearer(await tokens.sign(base({ aud }))),
                expected: 401,
            })),
        fc
            .constantFrom(
                `https://sts.windows.net/${SANDBOX_OTHER_TENANT_ID}/`,
                `${t.sandbox.settings.AUTHORITY_HOST}/${SANDBOX_OTHER_TENANT_ID}/v2.0`,
                `https://sts.windows.net/${t.sandbox.tenantId}`,
                `https://login.microsoftonline.com/${t.sandbox.tenantId}/v2.0`,
                `${t.sandbox.settings.AUTHORITY_HOST}/${t.sandbox.tenantId}/v2.0/`,
                `https://sts.windows.net/${t.sandbox.tenantId}/`,
                `${t.sandbox.settings.AUTHORITY_HOST}/common/v2.0`,
            )
            // The v1 issuer of our own tenant under a v2 token's claims is a mismatch too.
            .map((iss) => async (): Promise<FuzzCase> => ({
                kind: 'issuer',
                authorization: bearer(await tokens.sign(base({ iss }))),
                expected: 401,
            })),
        fc.oneof(fc.uuid(), fc.constant(SANDBOX_OTHER_TENANT_ID), fc.constant(undefined)).map((tid) => async (): Promise<FuzzCase> => ({
            kind: 'tid',
            authorization: bearer(await tokens.sign(base({ tid }))),
            expected: 401,
        })),
        fc.constant((): Promise<FuzzCase> =>
            Promise.resolve({
                kind: 'alg none',
                authorization: bearer(`${encode({ alg: 'none', typ: 'JWT', kid: currentKid })}.${encode(base())}.`),
                expected: 401,
            }),
        ),
        fc.constantFrom('jwk', 'n', 'pem').map((form) => async (): Promise<FuzzCase> => {
            // The classic confusion: an HMAC "signed" with the RSA public key as the shared secret.
            const secret =
                form === 'jwk'
                    ? JSON.stringify(publicJwk)
                    : form === 'n'
                      ? String(publicJwk.n)
                      : `-----BEGIN PUBLIC KEY-----\n${String(publicJwk.n)}\n-----END PUBLIC KEY-----\n`;
            const token = await new SignJWT(base())
                .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: currentKid })
                .sign(Buffer.from(secret));
            return { kind: 'HS256 with the public key', authorization: bearer(token), expected: 401 };
        }),
        fc
            .constantFrom('unknown key, published kid', 'published key, unknown kid', 'foreign key, published kid')
            .map((how) => async (): Promise<FuzzCase> => {
                const token =
                    how === 'unknown key, published kid'
                        ? await tokens.sign(base(), { signingKey: 'unknown', kid: currentKid })
                        : how === 'published key, unknown kid'
                          ? await tokens.sign(base(), { kid: `${currentKid.slice(0, -2)}xx` })
                          : await new SignJWT(base()).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: currentKid }).sign(foreignKey);
                return { kind: `swapped kid (${how})`, authorization: bearer(token), expected: 401 };
            }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }).map((at) => async (): Promise<FuzzCase> => {
            const token = await tokens.sign(base());
            return { kind: 'truncated', authorization: bearer(token.slice(0, Math.floor(at * token.length))), expected: 401 };
        }),
        // Longer than the app accepts, shorter than the 16 KiB of headers Node's proxy (and the host) take.
        fc.integer({ min: 0, max: 2000 }).map((extra) => async (): Promise<FuzzCase> => ({
            kind: 'oversized',
            authorization: bearer(await tokens.sign(base({ pad: 'p'.repeat((MAX_TOKEN_LENGTH * 3) / 4 + extra) }))),
            expected: 401,
        })),
        fc.nat().map((at) => async (): Promise<FuzzCase> => {
            const token = await tokens.sign(base());
            // Not the last character: its spare bits can change without changing the signature's bytes.
            const i = at % (token.length - 1);
            const flipped = `${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`;
            return { kind: 'one character changed', authorization: bearer(flipped), expected: 401 };
        }),
        fc.constantFrom('azp', 'appid').map((claim) => async (): Promise<FuzzCase> => ({
            kind: `no ${claim}`,
            authorization: bearer(
                await tokens.sign(tokens.claims({ now, version: claim === 'azp' ? 2 : 1, claims: { [claim]: undefined } })),
            ),
            expected: 401,
        })),
        fc
            .string({ unit: 'grapheme-ascii', maxLength: 300 })
            .map(
                (text) => (): Promise<FuzzCase> =>
                    Promise.resolve({ kind: 'garbage', authorization: `Bearer ${text.replace(/[^\x20-\x7e]/g, '')}`, expected: 401 }),
            ),
    );

    const statuses = new Map<string, number>();
    let accepted = 0;
    const jwksBefore = t.sandbox.counters.jwksRequests;
    await fc.assert(
        fc.asyncProperty(forged, async (make) => {
            const c = await make();
            const response = await get('/api/users?top=1&select=id', c.authorization);
            const status = response.status ?? 0;
            statuses.set(`${c.kind} ${status}`, (statuses.get(`${c.kind} ${status}`) ?? 0) + 1);
            if (status >= 500) throw new Error(`${c.kind}: ${status} ${response.text()}`);
            if (status === 200 && c.expected !== 200) throw new Error(`forgery accepted (${c.kind})`);
            if (status !== c.expected) throw new Error(`${c.kind}: expected ${c.expected}, got ${status}: ${response.text()}`);
            if (status === 200) accepted += 1;
            return true;
        }),
        { numRuns: FUZZ_RUNS },
    );
    assert.ok(accepted > FUZZ_RUNS / 20, `valid tokens were generated and accepted: ${accepted}`);
    assert.equal(t.sandbox.counters.jwksRequests, jwksBefore, 'unknown key ids made no refetch within the cool-down');
    console.log(`Caller token fuzz: ${FUZZ_RUNS} requests, ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
}
