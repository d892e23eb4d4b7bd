import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCoreSettings } from '../../src/config/CoreSettings.js';
import { ConfigurationError } from '../../src/errors/errorClasses.js';

const valid = {
    GRAPH_TENANT_ID: '11111111-2222-3333-4444-555555555555',
    GRAPH_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    KEY_VAULT_URL: 'https://kv-x.vault.azure.net/',
};

function configError(env: Record<string, string>): ConfigurationError {
    try {
        loadCoreSettings(env);
    } catch (error) {
        assert.ok(error instanceof ConfigurationError);
        return error;
    }
    assert.fail('expected a ConfigurationError');
}

describe('settings validation', () => {
    it('applies the documented defaults', () => {
        const s = loadCoreSettings(valid);
        assert.equal(s.secretName, 'graph-client-secret');
        assert.equal(s.authorityHost, 'https://login.microsoftonline.com');
        assert.equal(s.graphEndpoint, 'https://graph.microsoft.com');
        assert.equal(s.keyVaultUrl, 'https://kv-x.vault.azure.net');
        assert.equal(s.managedIdentityClientId, undefined);
        assert.equal(s.disableChallengeResourceVerification, false);
        assert.equal(s.secretCacheTtlSeconds, 300);
    });

    it('names every missing required setting in one error', () => {
        const error = configError({});
        assert.deepEqual(error.settings, ['GRAPH_TENANT_ID', 'GRAPH_CLIENT_ID', 'KEY_VAULT_URL']);
        assert.match(error.message, /GRAPH_TENANT_ID is required/);
        assert.match(error.message, /KEY_VAULT_URL is required/);
        assert.equal(error.code, 'ConfigurationInvalid');
    });

    it('treats empty and blank values as unset', () => {
        assert.deepEqual(configError({ ...valid, GRAPH_CLIENT_ID: '  ' }).settings, ['GRAPH_CLIENT_ID']);
    });

    for (const [name, value] of [
        ['KEY_VAULT_URL', 'http://kv-x.vault.azure.net'],
        ['AUTHORITY_HOST', 'http://login.microsoftonline.com'],
        ['GRAPH_ENDPOINT', 'http://graph.microsoft.com'],
        ['GRAPH_ENDPOINT', 'not a url'],
        ['KEY_VAULT_URL', 'https://user:pass@kv.vault.azure.net'],
        ['AUTHORITY_HOST', 'https://login.microsoftonline.com/?x=1'],
        ['SECRET_CACHE_TTL_SECONDS', '0'],
        ['SECRET_CACHE_TTL_SECONDS', 'ten'],
        ['KEY_VAULT_DISABLE_CHALLENGE_RESOURCE_VERIFICATION', 'yes please'],
        ['GRAPH_TENANT_ID', 'contoso/../evil'],
        ['GRAPH_CLIENT_SECRET_NAME', 'has space'],
    ] as const) {
        it(`rejects ${name}=${JSON.stringify(value)} and names it`, () => {
            const error = configError({ ...valid, [name]: value });
            assert.deepEqual(error.settings, [name]);
        });
    }

    it('refuses plain http with a message that says so', () => {
        assert.match(configError({ ...valid, KEY_VAULT_URL: 'http://127.0.0.1:8443' }).message, /KEY_VAULT_URL must use https/);
    });

    it('accepts national-cloud pairs and strips a pasted API version', () => {
        const s = loadCoreSettings({
            ...valid,
            AUTHORITY_HOST: 'https://login.microsoftonline.us',
            GRAPH_ENDPOINT: 'https://graph.microsoft.us/v1.0/',
        });
        assert.equal(s.graphEndpoint, 'https://graph.microsoft.us');
    });

    it('never echoes a long value in full (it may be a pasted secret)', () => {
        const pasted = 'Zx8Q~' + 'a'.repeat(60);
        const error = configError({ ...valid, GRAPH_CLIENT_SECRET_NAME: pasted + ' ' });
        assert.ok(!error.message.includes(pasted));
    });
    it('each credential mode requires only its own settings', () => {
        const { KEY_VAULT_URL: _vault, ...withoutVault } = valid;
        assert.equal(loadCoreSettings({ ...valid, GRAPH_CREDENTIAL: 'keyVaultCertificate' }).certificateName, 'graph-client-certificate');
        assert.deepEqual(configError({ ...withoutVault, GRAPH_CREDENTIAL: 'keyVaultCertificate' }).settings, ['KEY_VAULT_URL']);
        assert.match(
            configError({ ...withoutVault, GRAPH_CREDENTIAL: 'keyVaultSecret' }).message,
            /KEY_VAULT_URL is required when GRAPH_CREDENTIAL is keyVaultSecret/,
        );
        const identity = loadCoreSettings({ ...withoutVault, GRAPH_CREDENTIAL: 'managedIdentity', AZURE_CLIENT_ID: 'uami-client-id' });
        assert.equal(identity.credential, 'managedIdentity');
        assert.equal(identity.keyVaultUrl, undefined);
        assert.equal(loadCoreSettings({ ...valid, GRAPH_CREDENTIAL: 'managedIdentity', AZURE_CLIENT_ID: 'x-1' }).keyVaultUrl, undefined);
        const missing = configError({ ...withoutVault, GRAPH_CREDENTIAL: 'managedIdentity' });
        assert.deepEqual(missing.settings, ['AZURE_CLIENT_ID']);
        assert.match(missing.message, /user-assigned managed identity/);
        assert.match(missing.message, /system-assigned identity cannot be a federated credential/);
    });

    it("one error names every bad setting, the mode's requirements included", () => {
        const error = configError({ GRAPH_CREDENTIAL: 'managedIdentity', AUTHORITY_HOST: 'http://login.example' });
        assert.deepEqual(error.settings, ['GRAPH_TENANT_ID', 'GRAPH_CLIENT_ID', 'AUTHORITY_HOST', 'AZURE_CLIENT_ID']);
        assert.deepEqual(configError({ ...valid, GRAPH_CREDENTIAL: 'certificate' }).settings, ['GRAPH_CREDENTIAL']);
    });
});
