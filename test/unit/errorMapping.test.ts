import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toGraphError } from '../../src/graph/toGraphError.js';
import { toSecretError } from '../../src/secret/toSecretError.js';
import { toTokenError } from '../../src/token/toTokenError.js';
import { KeyVaultSecretCredentialSource } from '../../src/credentials/KeyVaultSecretCredentialSource.js';

/** Whether the client-secret mode re-reads Key Vault for this rejection (a rotation can fix it). */
const isInvalidClientError = (error: unknown): boolean =>
    new KeyVaultSecretCredentialSource({ getSecret: () => Promise.reject(new Error('unused')) }).isStaleCredentialError(error);
import { ensureErrorType } from '../../src/errors/ensureErrorType.js';

const tokenContext = { tenantId: 'contoso.onmicrosoft.com', clientId: 'app-1', authorityHost: 'https://login.microsoftonline.com' };
const secretContext = {
    vaultUrl: 'https://kv-x.vault.azure.net',
    secretName: 'graph-client-secret',
    identityDescription: 'the managed identity with client id mi-1',
};

function msalServerError(code: number, errorCode: string): Error {
    return Object.assign(new Error(`${errorCode}: AADSTS${code}: something. Trace ID: x`), {
        name: 'ServerError',
        errorCode,
        errorNo: String(code),
        errorMessage: `AADSTS${code}: something. Trace ID: x`,
        status: errorCode === 'invalid_client' ? 401 : 400,
    });
}

describe('error mapping', () => {
    it('AADSTS700016: app not found, with a hint naming the settings', () => {
        const e = toTokenError(msalServerError(700016, 'unauthorized_client'), tokenContext);
        assert.equal(e.code, 'TokenAppNotFound');
        assert.equal(e.aadstsCode, 700016);
        assert.match(e.hint ?? '', /GRAPH_CLIENT_ID/);
        assert.equal(e.status, 503);
    });
    it('AADSTS7000215: wrong secret, rotation hint; counts as invalid_client', () => {
        const raw = msalServerError(7000215, 'invalid_client');
        assert.ok(isInvalidClientError(raw));
        const e = toTokenError(raw, tokenContext);
        assert.equal(e.code, 'TokenInvalidClientSecret');
        assert.match(e.hint ?? '', /rotate-secret/);
    });
    it('AADSTS7000222: expired secret', () => {
        const raw = msalServerError(7000222, 'invalid_client');
        assert.ok(isInvalidClientError(raw));
        assert.equal(toTokenError(raw, tokenContext).code, 'TokenClientSecretExpired');
    });
    it('token endpoint network failure is "unavailable"', () => {
        const e = toTokenError(Object.assign(new Error('fetch failed'), { errorCode: 'network_error' }), tokenContext);
        assert.equal(e.code, 'TokenEndpointUnavailable');
        assert.ok(!isInvalidClientError(new Error('fetch failed')));
    });
    it('Key Vault 403 says which role to grant to whom', () => {
        const e = toSecretError(
            Object.assign(new Error('Caller is not authorized'), { name: 'RestError', statusCode: 403, code: 'Forbidden' }),
            secretContext,
        );
        assert.equal(e.code, 'KeyVaultForbidden');
        assert.match(e.hint ?? '', /Key Vault Secrets User/);
        assert.match(e.hint ?? '', /mi-1/);
        assert.equal(e.status, 503);
    });
    it('Key Vault disabled secret and missing secret', () => {
        const disabled = toSecretError(
            Object.assign(new Error('Operation get is not allowed on a disabled secret.'), { statusCode: 403, code: 'Forbidden' }),
            secretContext,
        );
        assert.equal(disabled.code, 'KeyVaultSecretDisabled');
        const missing = toSecretError(
            Object.assign(new Error('A secret with (name/id) x was not found'), { statusCode: 404, code: 'SecretNotFound' }),
            secretContext,
        );
        assert.equal(missing.code, 'KeyVaultSecretNotFound');
        assert.match(missing.message, /graph-client-secret/);
    });
    it('Key Vault credential unavailable points at the identity setup', () => {
        const e = toSecretError(Object.assign(new Error('no MSI'), { name: 'CredentialUnavailableError' }), secretContext);
        assert.equal(e.code, 'KeyVaultCredentialUnavailable');
    });
    it('Graph 403 Authorization_RequestDenied: admin consent missing for User.Read.All, with the request-id', () => {
        const body = JSON.stringify({
            error: {
                code: 'Authorization_RequestDenied',
                message: 'Insufficient privileges to complete the operation.',
                innerError: { 'request-id': 'r-1' },
            },
        });
        const e = toGraphError(403, body, undefined, { adminConsentUrl: 'https://login.microsoftonline.com/t/adminconsent?client_id=c' });
        assert.equal(e.code, 'GraphConsentMissing');
        assert.match(e.message, /admin consent missing for User\.Read\.All/);
        assert.match(e.hint ?? '', /adminconsent\?client_id=c/);
        assert.equal(e.requestId, 'r-1');
        assert.equal(e.status, 502);
    });
    it('Graph throttling exhausted is a 503, a gateway page without JSON still maps', () => {
        assert.equal(toGraphError(429, '{}', 'r', {}).status, 503);
        assert.equal(toGraphError(504, '<html>gateway</html>', 'r', {}).code, 'GraphUnavailable');
    });
    it('ensureErrorType strips credentials from anything thrown', () => {
        const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl';
        const e = ensureErrorType(new Error(`failed with Authorization: Bearer ${jwt} and client_secret=abc123XYZ`));
        assert.equal(e.code, 'Internal');
        assert.ok(!e.message.includes(jwt) && !e.message.includes('abc123XYZ'), e.message);
    });
});
