/**
 * The HTTP function through the real SDKs over HTTPS: MSAL, @azure/identity's managed identity
 * credential, the Key Vault SecretClient and fetch, against the sandbox. No SDK is mocked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LogCapture } from '../support/LogCapture.js';
import { startTestSandbox, type TestSandbox } from '../support/startTestSandbox.js';

const logs = new LogCapture();
const sandboxes: TestSandbox[] = [];

async function sandboxFor(options: Parameters<typeof startTestSandbox>[0]): Promise<TestSandbox> {
    const t = await startTestSandbox(options, logs);
    sandboxes.push(t);
    return t;
}

after(async () => {
    await Promise.all(sandboxes.map((t) => t.close()));
});

/**
 * The caller's answer holds the code, a generic detail and the invocation id; the detail and the fix
 * are in the log line under that id. Returns that line.
 */
function operatorLine(response: { json: Record<string, unknown>; invocationId: string }): string {
    assert.equal(response.json.invocationId, response.invocationId);
    assert.equal(response.json.hint, undefined, 'no operator hint in a caller answer');
    assert.match(String(response.json.detail), /function logs under this invocationId/);
    const line = logs.lines.find(
        (l) => l.includes(`${String(response.json.code)}:`) && l.includes(`invocationId ${response.invocationId}`),
    );
    assert.ok(line, `no log line for ${response.invocationId}`);
    return line;
}

describe('GET /api/users against the sandbox', () => {
    let t: TestSandbox;
    before(async () => {
        t = await sandboxFor({ userCount: 2500 });
    });

    it('returns the first page with the default select', async () => {
        const response = await t.invoke('top=5', t.newRuntime());
        assert.equal(response.status, 200);
        const value = response.json.value as Record<string, unknown>[];
        assert.equal(value.length, 5);
        assert.deepEqual(Object.keys(value[0] ?? {}).sort(), [
            'accountEnabled',
            'displayName',
            'id',
            'jobTitle',
            'mail',
            'userPrincipalName',
        ]);
        assert.equal(value[0]?.id, t.sandbox.userAt(0).id);
        assert.equal(typeof response.json.nextPageToken, 'string');
    });

    it('honours select', async () => {
        const response = await t.invoke('top=3&select=displayName,department', t.newRuntime());
        assert.equal(response.status, 200);
        for (const user of response.json.value as Record<string, unknown>[]) {
            assert.deepEqual(Object.keys(user).sort(), ['department', 'displayName', 'id']);
        }
    });

    it('pages through all 2,500 users with pageToken, each id exactly once', async () => {
        const runtime = t.newRuntime();
        const ids = new Set<string>();
        let total = 0;
        let query = 'top=999&select=id';
        for (let pages = 0; pages < 10; pages += 1) {
            const response = await t.invoke(query, runtime);
            assert.equal(response.status, 200, JSON.stringify(response.json));
            for (const user of response.json.value as { id: string }[]) {
                ids.add(user.id);
                total += 1;
            }
            const next = response.json.nextPageToken;
            if (next === undefined) break;
            query = `pageToken=${encodeURIComponent(next as string)}`;
        }
        assert.equal(total, 2500);
        assert.equal(ids.size, 2500);
        assert.ok(ids.has(t.sandbox.userAt(2499).id));
    });

    const badInputs: readonly [string, string][] = [
        ['top=0', 'top'],
        ['top=1000', 'top'],
        ['top=ten', 'top'],
        ['select=passwordProfile', 'select'],
        ['select=id,,mail', 'select'],
        ['unknown=1', 'unknown'],
        ['$filter=startswith(displayName,%27a%27)', '$filter'],
        ['top=5&top=6', 'top'],
        ['pageToken=not-a-token', 'pageToken'],
        ['pageToken=aHR0cHM6Ly9ldmlsLmV4YW1wbGUvdjEuMC91c2Vycw.c2ln', 'pageToken'],
        ['pageToken=https%3A%2F%2Fevil.example%2Fv1.0%2Fusers', 'pageToken'],
    ];
    for (const [query, named] of badInputs) {
        it(`answers 400 problem+json naming "${named}" for ?${query}`, async () => {
            const before = t.sandbox.requests.filter((r) => r.service === 'graph').length;
            const response = await t.invoke(query, t.newRuntime());
            assert.equal(response.status, 400);
            assert.equal((response.headers as Record<string, string>)['Content-Type'], 'application/problem+json');
            assert.equal(response.json.code, 'BadRequest');
            assert.ok(String(response.json.detail).includes(named), String(response.json.detail));
            assert.equal(t.sandbox.requests.filter((r) => r.service === 'graph').length, before, 'bad input never reaches Graph');
        });
    }

    it('refuses a token whose signature is valid for another page but was tampered with', async () => {
        const runtime = t.newRuntime();
        const first = await t.invoke('top=2', runtime);
        const token = String(first.json.nextPageToken);
        const tampered = `${token.slice(0, 10)}${token[10] === 'x' ? 'y' : 'x'}${token.slice(11)}`;
        const response = await t.invoke(`pageToken=${encodeURIComponent(tampered)}`, runtime);
        assert.equal(response.status, 400);
    });
});

describe('the token path: one Key Vault read and one token request', () => {
    it('20 sequential invocations make exactly 1 Key Vault read and 1 token request', async () => {
        const t = await sandboxFor({ userCount: 50 });
        t.sandbox.counters.reset();
        const runtime = t.newRuntime();
        for (let i = 0; i < 20; i += 1) {
            assert.equal((await t.invoke('top=5', runtime)).status, 200);
        }
        assert.equal(t.sandbox.counters.keyVaultSecretReads, 1);
        assert.equal(t.sandbox.counters.tokenRequests, 1);
        assert.equal(t.sandbox.counters.graphRequests, 20);
    });

    it('50 concurrent cold invocations make exactly 1 Key Vault read and 1 token request', async () => {
        const t = await sandboxFor({ userCount: 50 });
        t.sandbox.counters.reset();
        const runtime = t.newRuntime();
        const responses = await Promise.all(Array.from({ length: 50 }, () => t.invoke('top=2', runtime)));
        assert.deepEqual(new Set(responses.map((r) => r.status)), new Set([200]));
        assert.equal(t.sandbox.counters.keyVaultSecretReads, 1);
        assert.equal(t.sandbox.counters.tokenRequests, 1);
    });
});

describe('rotation and failures', () => {
    it('after the sandbox rotates and revokes the secret, the next call succeeds after one re-read', async () => {
        // Tokens shorter than MSAL's 5-minute refresh margin are never served from cache, so
        // every call goes to Entra and meets the revoked secret.
        const t = await sandboxFor({ userCount: 20, graphTokenLifetimeSeconds: 120 });
        const runtime = t.newRuntime();
        assert.equal((await t.invoke('top=1', runtime)).status, 200);
        t.sandbox.counters.reset();
        await t.sandbox.rotateSecret({ revokeOld: true });
        const response = await t.invoke('top=1', runtime);
        assert.equal(response.status, 200, JSON.stringify(response.json));
        assert.equal(t.sandbox.counters.keyVaultSecretReads, 1, 'exactly one re-read');
        assert.equal(t.sandbox.counters.tokenSuccesses, 1);
        assert.ok(logs.lines.some((l) => l.includes('rejected client secret version')));
        // And the process keeps working on the new secret.
        assert.equal((await t.invoke('top=1', runtime)).status, 200);
        assert.equal(t.sandbox.counters.keyVaultSecretReads, 1);
    });

    it('an expired secret with nothing newer in the vault fails clearly (AADSTS7000222)', async () => {
        const t = await sandboxFor({ userCount: 5 });
        t.sandbox.expireSecret();
        const response = await t.invoke('top=1', t.newRuntime());
        assert.equal(response.status, 503);
        assert.equal(response.json.code, 'TokenClientSecretExpired');
        assert.match(operatorLine(response), /Fix: .*rotate-secret/);
    });

    it('missing User.Read.All gives the admin-consent error with Graph request-id', async () => {
        const t = await sandboxFor({ userCount: 5 });
        t.sandbox.setAppRoles([]);
        const response = await t.invoke('top=1', t.newRuntime());
        assert.equal(response.status, 502);
        assert.equal(response.json.code, 'GraphConsentMissing');
        assert.equal(typeof response.json.requestId, 'string');
        const line = operatorLine(response);
        assert.match(line, /admin consent missing for User\.Read\.All/);
        assert.match(line, /Fix: .*adminconsent\?client_id=/);
        assert.ok(line.includes(String(response.json.requestId)), 'the log carries the same Graph request id');
        assert.doesNotMatch(JSON.stringify(response.json), /adminconsent|client_id/);
    });

    it('Key Vault 403 gives the role hint', async () => {
        const t = await sandboxFor({ userCount: 5 });
        t.sandbox.setKeyVaultAccess(false);
        const response = await t.invoke('top=1', t.newRuntime());
        assert.equal(response.status, 503);
        assert.equal(response.json.code, 'KeyVaultForbidden');
        assert.match(operatorLine(response), /Fix: .*Key Vault Secrets User/);
        assert.ok(!JSON.stringify(response.json).includes(t.sandbox.settings.KEY_VAULT_URL!), 'no vault URL to the caller');
    });

    it('a missing secret says so and names it', async () => {
        const t = await sandboxFor({ userCount: 5 });
        t.sandbox.deleteSecret();
        const response = await t.invoke('top=1', t.newRuntime());
        assert.equal(response.status, 503);
        assert.equal(response.json.code, 'KeyVaultSecretNotFound');
        assert.match(operatorLine(response), /graph-client-secret/);
        assert.doesNotMatch(JSON.stringify(response.json), /graph-client-secret/);
    });

    it('a foreign-origin nextLink is refused and nothing is sent there', async () => {
        const t = await sandboxFor({ userCount: 30 });
        t.sandbox.faults.graph.foreignNextLink(1, 'https://evil.example');
        const response = await t.invoke('top=5', t.newRuntime());
        assert.equal(response.status, 502);
        assert.equal(response.json.code, 'GraphForeignNextLink');
        const hosts = new Set(t.sandbox.requests.map((r) => r.service));
        assert.ok([...hosts].every((h) => ['entra', 'identity', 'keyvault', 'graph'].includes(h)));
    });

    it('429 with Retry-After and 503 are retried transparently', async () => {
        const t = await sandboxFor({ userCount: 30 });
        t.sandbox.faults.graph.throttle(2, '0');
        t.sandbox.faults.graph.fail(1, 503);
        const response = await t.invoke('top=5', t.newRuntime());
        assert.equal(response.status, 200);
        assert.ok(logs.lines.some((l) => l.includes('Graph answered 429; retry')));
    });
});

describe('secret hygiene', () => {
    it('no captured log line or response body contains the secret or any token', () => {
        assert.ok(logs.lines.length > 50, `captured ${logs.lines.length} lines`);
        const forbidden = sandboxes.flatMap((t) => [...t.sandbox.secretHistory(), ...t.sandbox.issuedTokens()]);
        assert.ok(forbidden.length > sandboxes.length);
        assert.deepEqual(logs.leaks(forbidden), []);
    });
});
