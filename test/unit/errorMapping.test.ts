import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toGraphError } from '../../src/graph/toGraphError.js';
import { toSecretError } from '../../src/secret/toSecretError.js';
import { isTransientTokenError, toTokenError } from '../../src/token/toTokenError.js';
import { TokenError } from '../../src/errors/errorClasses.js';
import { KeyVaultSecretCredentialSource } from '../../src/credentials/KeyVaultSecretCredentialSource.js';

/** Whether the client-secret mode re-reads Key Vault for this rejection (a rotation can fix it). */
const isInvalidClientError = (error: unknown): boolean =>
    new KeyVaultSecretCredentialSource({
        getSecret: () => Promise.reject(new Error('unused')),
        getEarlierSecret: () => Promise.reject(new Error('unused')),
    }).isStaleCredentialError(error);
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
        assert.ok(e instanceof TokenError);
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
    describe('the fix follows GRAPH_CREDENTIAL', () => {
        const inMode = (kind: 'keyVaultSecret' | 'keyVaultCertificate' | 'managedIdentity', extra: object = {}) => ({
            ...tokenContext,
            credential: { kind, description: `a ${kind} credential`, identityClientId: 'mi-1' },
            ...extra,
        });
        it('AADSTS700024 with the managed identity: its token is the assertion, so no certificate renewal', () => {
            const e = toTokenError(msalServerError(700024, 'invalid_client'), inMode('managedIdentity'));
            assert.notEqual(e.code, 'TokenCertificateRejected');
            assert.match(e.message, /token of managed identity mi-1.*AADSTS700024/);
            assert.match(e.hint ?? '', /clock/);
            assert.doesNotMatch(`${e.message} ${e.hint ?? ''}`, /certificate/i);
        });
        it('AADSTS700024 with a certificate: the clock, then the certificate', () => {
            const e = toTokenError(msalServerError(700024, 'invalid_client'), inMode('keyVaultCertificate'));
            assert.equal(e.code, 'TokenCertificateRejected');
            assert.match(e.hint ?? '', /rotate-certificate/);
        });
        it("a code of another mode's credential gets Entra ID's own text, not that mode's fix", () => {
            for (const [code, mode] of [
                [700027, 'keyVaultSecret'],
                [7000215, 'keyVaultCertificate'],
                [70021, 'keyVaultSecret'],
            ] as const) {
                const e = toTokenError(msalServerError(code, 'invalid_client'), inMode(mode));
                assert.equal(e.code, 'TokenRequestFailed', `${code} in ${mode}`);
                assert.match(e.message, new RegExp(`AADSTS${code}`));
            }
        });
        it('AADSTS70021 says whether the app waited for propagation or not', () => {
            const waited = toTokenError(msalServerError(70021, 'invalid_request'), inMode('managedIdentity', { propagationAttempts: 6 }));
            assert.equal(waited.code, 'TokenFederatedCredentialMismatch');
            assert.match(waited.message, /asked 6 times, with backoff/);
            const once = toTokenError(msalServerError(70021, 'invalid_request'), inMode('managedIdentity', { propagationAttempts: 1 }));
            assert.doesNotMatch(once.message, /retried|asked \d+ times/);
            assert.match(
                once.message,
                /may still be propagating \(the app waits for that only until its first token\): try again in a few minutes/,
            );
        });
    });
    describe('MSAL could not resolve the authority (endpoints_resolution_error, cause dropped by MSAL)', () => {
        const unresolved = (): Error =>
            Object.assign(new Error('endpoints_resolution_error: Endpoints cannot be resolved'), {
                name: 'ClientAuthError',
                errorCode: 'endpoints_resolution_error',
            });
        it('a host MSAL must validate (a typo): ConfigurationInvalid naming AUTHORITY_HOST, not retried', () => {
            const authorityHost = 'https://login.microsoftonline.co';
            assert.equal(isTransientTokenError(unresolved(), authorityHost), false);
            const e = toTokenError(unresolved(), { ...tokenContext, authorityHost });
            assert.equal(e.code, 'ConfigurationInvalid');
            assert.equal(e.status, 500);
            assert.match(e.message, /AUTHORITY_HOST \(https:\/\/login\.microsoftonline\.co\) is not an Entra ID authority MSAL trusts/);
            assert.match(e.message, /no credential was sent to it/);
            assert.match(e.hint ?? '', /https:\/\/login\.microsoftonline\.com/);
        });
        it("Microsoft's own login host or the sandbox: the network failed, so it stays transient", () => {
            for (const authorityHost of [
                'https://login.microsoftonline.com',
                'https://login.microsoftonline.us',
                'https://127.0.0.1:44321',
            ]) {
                assert.equal(isTransientTokenError(unresolved(), authorityHost), true, authorityHost);
                assert.equal(
                    toTokenError(unresolved(), { ...tokenContext, authorityHost }).code,
                    'TokenEndpointUnavailable',
                    authorityHost,
                );
            }
        });
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
