/**
 * `graph-app.sh verify` (the postdeploy hook) against a local HTTPS stand-in for the deployed API: it
 * retries while Entra ID does not yet honour a new federated credential (AADSTS70021), fails at once with
 * the app's code and fix otherwise, sends the function key only in a header (fed to curl on stdin), and
 * never prints the key or the users it read. curl trusts the test CA through CURL_CA_BUNDLE, as an
 * operator's curl trusts the real one: the hook itself has no TLS relaxation.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { issueServerCertificate, loadSandboxCa } from '../../sandbox/index.js';
import { API_APP_ID, API_TOKEN, FUNCTION_KEY, PROVISIONED_ENV, newState, runHook } from './fakeAzure.js';

interface Seen {
    readonly key: string | undefined;
    readonly authorization: string | undefined;
    readonly url: string;
}

interface Answer {
    readonly status: number;
    readonly body: unknown;
}

const problem = (status: number, code: string, detail: string, hint: string): Answer => ({
    status,
    body: { type: 'about:blank', status, code, detail, hint, invocationId: 'inv-123' },
});

/** What the app answers (src/token/toTokenError.ts) while a new federated credential propagates. */
const AADSTS70021 = problem(
    503,
    'TokenFederatedCredentialMismatch',
    'No federated credential of the app matches issuer "https://login.microsoftonline.com/t/v2.0", subject "p" (the principal id of managed identity c), audience "api://AzureADTokenExchange" (AADSTS70021).',
    'Add a federated credential to app registration a with exactly those values.',
);
const USERS: Answer = { status: 200, body: { value: [{ id: 'u1', userPrincipalName: 'secret.person@contoso.example' }] } };

/** Serves the answers in order (the last one repeats) and records what each request carried. */
async function fakeApi(answers: readonly Answer[]): Promise<{ origin: string; seen: Seen[]; close: () => Promise<void> }> {
    const caDir = process.env.SANDBOX_CA_DIR;
    assert.ok(caDir, 'run through scripts/runTests.js (it creates the test CA)');
    const certificate = await issueServerCertificate(await loadSandboxCa(caDir));
    const seen: Seen[] = [];
    const server: Server = createServer({ cert: certificate.certPem, key: certificate.keyPem }, (req, res) => {
        const answer = answers[Math.min(seen.length, answers.length - 1)]!;
        seen.push({
            key: req.headers['x-functions-key'] as string | undefined,
            authorization: req.headers.authorization,
            url: req.url ?? '',
        });
        res.writeHead(answer.status, { 'content-type': answer.status === 200 ? 'application/json' : 'application/problem+json' });
        res.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
        origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
        seen,
        close: () =>
            new Promise<void>((resolve) => {
                server.close(() => {
                    resolve();
                });
                server.closeAllConnections();
            }),
    };
}

async function verifyAgainst(
    answers: readonly Answer[],
    env: Record<string, string> = {},
): Promise<{ status: number | null; output: string; calls: string[]; seen: Seen[] }> {
    const api = await fakeApi(answers);
    const state = newState({ ...PROVISIONED_ENV, SERVICE_API_URI: api.origin });
    try {
        const r = await runHook(state, 'verify', {
            GRAPH_CREDENTIAL: 'managedIdentity',
            // Generous: with no interval, the attempts are bounded by the answers, not by time.
            GRAPH_APP_VERIFY_TIMEOUT_SECONDS: '600',
            GRAPH_APP_VERIFY_INTERVAL_SECONDS: '0',
            CURL_CA_BUNDLE: join(process.env.SANDBOX_CA_DIR ?? '', 'ca.pem'),
            ...env,
        });
        assert.doesNotMatch(r.output, /secret\.person/, 'the users read must not be printed');
        return { status: r.status, output: r.output, calls: r.calls, seen: api.seen };
    } finally {
        await api.close();
        rmSync(state, { recursive: true, force: true });
    }
}

describe("postdeploy verify: the deployed app's first Graph token", () => {
    test('retries while Entra ID answers AADSTS70021 for a new federated credential, then passes', async () => {
        const r = await verifyAgainst([AADSTS70021, AADSTS70021, { status: 503, body: 'starting' }, USERS]);
        assert.equal(r.status, 0, r.output);
        assert.equal(r.seen.length, 4);
        assert.match(r.output, /verified: GET \/api\/users answered 200 on attempt 4/);
        for (const request of r.seen) {
            assert.equal(request.key, FUNCTION_KEY, 'the function key is sent as x-functions-key');
            assert.equal(request.url, '/api/users?top=1', 'the key never travels in the URL');
        }
    });

    test("retries the app's codes for a key or federated credential Entra ID does not honour yet, even without the AADSTS text", async () => {
        const certificate = problem(503, 'TokenCertificateRejected', 'Entra ID does not accept the certificate.', 'Register it.');
        const federation = problem(503, 'TokenFederatedCredentialMismatch', 'No federated credential matches.', 'Add one.');
        const r = await verifyAgainst([certificate, federation, USERS]);
        assert.equal(r.status, 0, r.output);
        assert.equal(r.seen.length, 3);
    });

    test("a permanent error fails at once with the app's code, the documented fix and the invocation id", async () => {
        // As the app answers now: the code, a generic detail and the invocation id; the rest is in its log.
        const consent: Answer = {
            status: 502,
            body: {
                type: 'urn:graph-users:error:GraphConsentMissing',
                title: 'Microsoft Graph error',
                status: 502,
                code: 'GraphConsentMissing',
                detail: 'The service could not complete this request. Its operators find the cause in the function logs under this invocationId.',
                invocationId: 'inv-123',
            },
        };
        const r = await verifyAgainst([consent, USERS]);
        assert.notEqual(r.status, 0);
        assert.equal(r.seen.length, 1, 'not retried');
        assert.match(r.output, /answered 502 GraphConsentMissing: The service could not complete this request/);
        assert.match(r.output, /Fix: Grant admin consent \(the hook prints an admin-consent URL/, 'the fix from docs/troubleshooting.md');
        assert.match(r.output, /invocationId inv-123/);
    });

    test("with API_AUDIENCE, calls with the signed-in identity's token for the App ID URI and no function key", async () => {
        const r = await verifyAgainst([USERS], { API_AUDIENCE: `${API_APP_ID},api://${API_APP_ID}` });
        assert.equal(r.status, 0, r.output);
        assert.deepEqual(
            r.seen.map((s) => [s.authorization, s.key]),
            [[`Bearer ${API_TOKEN}`, undefined]],
        );
        assert.ok(r.calls.some((c) => c.startsWith(`account get-access-token --resource api://${API_APP_ID} `)));
        assert.ok(!r.calls.some((c) => c.startsWith('functionapp keys list')), 'the routes take no key then');
    });

    test('with API_AUDIENCE, a caller without the role fails at once with the fix; no token at all names the role', async () => {
        const forbidden: Answer = {
            status: 403,
            body: {
                status: 403,
                code: 'CallerForbidden',
                detail: 'The token carries no "Users.Read.All" app role. An administrator assigns it to the calling application or user on the API\'s app registration; then get a new token.',
                invocationId: 'inv-403',
            },
        };
        const audience = { API_AUDIENCE: `${API_APP_ID},api://${API_APP_ID}` };
        const r = await verifyAgainst([forbidden, USERS], audience);
        assert.notEqual(r.status, 0);
        assert.equal(r.seen.length, 1, 'az gave the same (cached) token again: not retried with it');
        assert.equal(r.calls.filter((c) => c.startsWith('account get-access-token')).length, 2, 'a new token was asked for');
        assert.match(r.output, /answered 403 CallerForbidden: The token carries no "Users\.Read\.All" app role/);
        assert.match(r.output, /Fix: An administrator assigns the app role/);
        assert.match(
            r.output,
            /az keeps an access token until it expires.*this is the usual cause: clear az's cache\s+\(`az account clear`, then `az login`\)/s,
        );
        const none = await verifyAgainst([USERS], { ...audience, FAKE_API_TOKEN: '' });
        assert.notEqual(none.status, 0);
        assert.equal(none.seen.length, 0);
        assert.match(
            none.output,
            /could not get an access token for the API \(api:\/\/a0a0a0a0-0000-4000-8000-0000000000a1\).*needs the app role Users\.Read\.All/s,
        );
    });

    test('with API_AUDIENCE, a 403 is retried while az hands out new tokens (its cache expired), within the timeout', async () => {
        const forbidden = problem(403, 'CallerForbidden', 'The token carries no "Users.Read.All" app role.', 'Assign it.');
        const r = await verifyAgainst([forbidden, forbidden, USERS], {
            API_AUDIENCE: `${API_APP_ID},api://${API_APP_ID}`,
            FAKE_API_TOKEN_FRESH: '1',
        });
        assert.equal(r.status, 0, r.output);
        assert.deepEqual(
            r.seen.map((s) => s.authorization),
            [1, 2, 3].map((n) => `Bearer ${API_TOKEN}-${n}`),
            'each attempt with the token az gave after the refusal',
        );
    });

    test('gives up after GRAPH_APP_VERIFY_TIMEOUT_SECONDS and says what the app last answered', async () => {
        const r = await verifyAgainst([AADSTS70021], { GRAPH_APP_VERIFY_TIMEOUT_SECONDS: '3' });
        assert.notEqual(r.status, 0);
        // Bounded by timeout / interval attempts (3), and by the deadline on a slow machine.
        assert.ok(r.seen.length >= 1 && r.seen.length <= 3, `${r.seen.length} attempts`);
        assert.match(r.output, /answered 503 TokenFederatedCredentialMismatch: .*AADSTS70021/);
    });

    test('refuses a plain-http SERVICE_API_URI (the function key would travel in clear)', async () => {
        const state = newState({ ...PROVISIONED_ENV, SERVICE_API_URI: 'http://127.0.0.1:9' });
        try {
            const r = await runHook(state, 'verify');
            assert.notEqual(r.status, 0);
            assert.match(r.output, /SERVICE_API_URI must be https/);
        } finally {
            rmSync(state, { recursive: true, force: true });
        }
    });
});
