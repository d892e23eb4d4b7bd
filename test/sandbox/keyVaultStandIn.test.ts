import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManagedIdentityCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { startGuardedSandbox } from '../support/startGuardedSandbox.js';
import type { Sandbox } from '../../sandbox/index.js';

describe('Key Vault and managed identity stand-ins', () => {
    let sandbox: Sandbox;
    let client: SecretClient;
    let vaultUrl: string;
    const secretName = 'graph-client-secret';
    before(async () => {
        sandbox = await startGuardedSandbox({ userCount: 1 });
        // @azure/identity reads IDENTITY_ENDPOINT/IDENTITY_HEADER from the environment.
        Object.assign(process.env, sandbox.settings);
        vaultUrl = sandbox.settings.KEY_VAULT_URL ?? '';
        client = new SecretClient(vaultUrl, new ManagedIdentityCredential(), {
            disableChallengeResourceVerification: true,
            retryOptions: { maxRetries: 0 },
        });
    });
    after(() => sandbox.close());

    const errorOf = async (promise: Promise<unknown>): Promise<{ statusCode?: number; code?: string }> => {
        try {
            await promise;
        } catch (error) {
            return error as { statusCode?: number; code?: string };
        }
        assert.fail('expected a rejection');
    };

    it('challenges, then serves the secret to a managed identity token', async () => {
        sandbox.counters.reset();
        const secret = await client.getSecret(secretName);
        assert.equal(secret.value, sandbox.clientSecret);
        assert.match(secret.properties.id ?? '', new RegExp(`^${vaultUrl}/secrets/${secretName}/[0-9a-f]{32}$`));
        const vaultRequests = sandbox.requests.filter((r) => r.service === 'keyvault');
        assert.deepEqual(
            vaultRequests.slice(0, 2).map((r) => [r.status, r.hasAuthorization]),
            [
                [401, false],
                [200, true],
            ],
        );
        assert.equal(sandbox.counters.keyVaultSecretReads, 1);
        assert.equal(sandbox.counters.keyVaultRequests, 2);
    });

    it('sends the documented challenge and AKV10000 body without a token', async () => {
        const response = await fetch(`${vaultUrl}/secrets/${secretName}?api-version=7.6`);
        assert.equal(response.status, 401);
        assert.equal(
            response.headers.get('www-authenticate'),
            `Bearer authorization="${sandbox.settings.AUTHORITY_HOST}/${sandbox.tenantId}", resource="https://vault.azure.net"`,
        );
        assert.deepEqual(await response.json(), {
            error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' },
        });
        assert.ok(response.headers.get('x-ms-request-id'));
    });

    it("lists a secret's versions (metadata, no values) through the SDK, paged, in no particular order", async () => {
        const name = 'listed-secret';
        const written: string[] = [];
        for (let i = 0; i < 30; i += 1) written.push((await client.setSecret(name, `value-${i}`)).properties.version ?? '');
        sandbox.counters.reset();
        const listed = [];
        for await (const properties of client.listPropertiesOfSecretVersions(name)) listed.push(properties);
        assert.deepEqual(listed.map((p) => p.version).sort(), [...written].sort(), 'every version, across two pages of 25');
        assert.ok(listed.every((p) => p.enabled === true && p.createdOn instanceof Date && !('value' in p)));
        assert.equal(sandbox.counters.keyVaultSecretReads, 0, 'a listing reads no value');
        // Each version has its own creation second, as a real rotation's versions do: `created` orders them.
        const byCreation = [...listed].sort((a, b) => (a.createdOn?.getTime() ?? 0) - (b.createdOn?.getTime() ?? 0)).map((p) => p.version);
        assert.deepEqual(byCreation, written);
        assert.equal((await errorOf(client.listPropertiesOfSecretVersions('no-such-secret').next())).statusCode, 404);
    });

    it('rotateSecret writes a new version the SDK reads', async () => {
        const before = await client.getSecret(secretName);
        const fresh = await sandbox.rotateSecret();
        const after = await client.getSecret(secretName);
        assert.equal(after.value, fresh);
        assert.notEqual(after.properties.version, before.properties.version);
        assert.equal((await client.getSecret(secretName, { version: before.properties.version ?? '' })).value, before.value);
        const written = await client.setSecret('another', 'v1');
        assert.equal((await client.getSecret('another')).value, 'v1');
        assert.ok(written.properties.version);
    });

    it('answers 404 SecretNotFound for a missing secret', async () => {
        const error = await errorOf(client.getSecret('missing-secret'));
        assert.deepEqual([error.statusCode, error.code], [404, 'SecretNotFound']);
    });

    it('answers 403 ForbiddenByRbac without access, with the Key Vault message', async () => {
        sandbox.setKeyVaultAccess(false);
        try {
            const error = (await errorOf(client.getSecret(secretName))) as { statusCode?: number; code?: string; message?: string };
            assert.deepEqual([error.statusCode, error.code], [403, 'Forbidden']);
            assert.match(error.message ?? '', /Caller is not authorized to perform action on resource\.\r\n/);
            assert.match(error.message ?? '', /Action: 'Microsoft\.KeyVault\/vaults\/secrets\/getSecret\/action'/);
        } finally {
            sandbox.setKeyVaultAccess(true);
        }
    });

    it('keyVault.fail injects errors for the next N requests only', async () => {
        sandbox.faults.keyVault.fail(1, 503);
        assert.equal((await errorOf(client.getSecret(secretName))).statusCode, 503);
        assert.equal((await client.getSecret(secretName)).value, sandbox.clientSecret);
    });

    it('a disabled secret gives 403 SecretDisabled; a deleted one 404', async () => {
        sandbox.disableSecret();
        const disabled = await errorOf(client.getSecret(secretName));
        assert.deepEqual([disabled.statusCode, disabled.code], [403, 'Forbidden']);
        const raw = await fetch(`${vaultUrl}/secrets/${secretName}?api-version=7.6`, {
            headers: {
                authorization: `Bearer ${(await new ManagedIdentityCredential().getToken('https://vault.azure.net/.default')).token}`,
            },
        });
        assert.deepEqual(await raw.json(), {
            error: {
                code: 'Forbidden',
                message: 'Operation get is not allowed on a disabled secret.',
                innererror: { code: 'SecretDisabled' },
            },
        });
        sandbox.deleteSecret();
        const deleted = await errorOf(client.getSecret(secretName));
        assert.deepEqual([deleted.statusCode, deleted.code], [404, 'SecretNotFound']);
        await sandbox.rotateSecret();
        assert.equal((await client.getSecret(secretName)).value, sandbox.clientSecret);
    });

    it('the identity endpoint needs the X-IDENTITY-HEADER and answers the App Service shape', async () => {
        const endpoint = `${sandbox.settings.IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=https://vault.azure.net`;
        assert.equal((await fetch(endpoint)).status, 400);
        assert.equal((await fetch(endpoint, { headers: { 'X-IDENTITY-HEADER': 'wrong' } })).status, 401);
        const response = await fetch(endpoint, { headers: { 'X-IDENTITY-HEADER': sandbox.settings.IDENTITY_HEADER ?? '' } });
        const body = (await response.json()) as Record<string, unknown>;
        assert.equal(response.status, 200);
        assert.deepEqual(Object.keys(body).sort(), ['access_token', 'client_id', 'expires_on', 'resource', 'token_type']);
        assert.match(String(body.expires_on), /^\d+$/);
        const scoped = await fetch(`${sandbox.settings.IDENTITY_ENDPOINT}?api-version=2019-08-01&scope=https://vault.azure.net/.default`, {
            headers: { 'X-IDENTITY-HEADER': sandbox.settings.IDENTITY_HEADER ?? '' },
        });
        assert.equal(scoped.status, 200);
    });

    it('a second sandbox in the same process still works with a new credential (MSAL caches the MI source statically)', async () => {
        const second = await startGuardedSandbox({ userCount: 1 });
        try {
            assert.equal(second.settings.IDENTITY_ENDPOINT, sandbox.settings.IDENTITY_ENDPOINT);
            const secondClient = new SecretClient(second.settings.KEY_VAULT_URL ?? '', new ManagedIdentityCredential(), {
                disableChallengeResourceVerification: true,
            });
            assert.equal((await secondClient.getSecret(secretName)).value, second.clientSecret);
        } finally {
            await second.close();
        }
    });
});
