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
import { FUNCTION_KEY, PROVISIONED_ENV, newState, runHook } from './fakeAzure.js';

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
async function fakeApi(
    answers: readonly Answer[],
): Promise<{ origin: string; seen: { key: string | undefined; url: string }[]; close: () => Promise<void> }> {
    const caDir = process.env.SANDBOX_CA_DIR;
    assert.ok(caDir, 'run through scripts/runTests.js (it creates the test CA)');
    const certificate = await issueServerCertificate(await loadSandboxCa(caDir));
    const seen: { key: string | undefined; url: string }[] = [];
    const server: Server = createServer({ cert: certificate.certPem, key: certificate.keyPem }, (req, res) => {
        const answer = answers[Math.min(seen.length, answers.length - 1)]!;
        seen.push({ key: req.headers['x-functions-key'] as string | undefined, url: req.url ?? '' });
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
): Promise<{ status: number | null; output: string; seen: { key: string | undefined; url: string }[] }> {
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
        return { status: r.status, output: r.output, seen: api.seen };
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

    test("a permanent error fails at once with the app's code, detail and fix", async () => {
        const consent = problem(
            502,
            'GraphConsentMissing',
            'Graph answered 403 Authorization_RequestDenied.',
            'Grant admin consent for User.Read.All.',
        );
        const r = await verifyAgainst([consent, USERS]);
        assert.notEqual(r.status, 0);
        assert.equal(r.seen.length, 1, 'not retried');
        assert.match(r.output, /answered 502 GraphConsentMissing: Graph answered 403 Authorization_RequestDenied\./);
        assert.match(r.output, /Fix: Grant admin consent for User\.Read\.All\./);
        assert.match(r.output, /invocationId inv-123/);
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
