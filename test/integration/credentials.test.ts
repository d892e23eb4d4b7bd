/**
 * The three GRAPH_CREDENTIAL modes end to end through the real MSAL, @azure/identity (managed identity) and
 * Key Vault SDKs over HTTPS against the sandbox, whose Entra ID validates client secrets, private_key_jwt
 * certificate assertions and federated assertions as documented. Every misconfiguration gives its code and fix.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { AppError } from '../../src/errors/AppError.js';
import { createRuntime, type Runtime } from '../../src/runtime/createRuntime.js';
import type { SandboxOptions } from '../../sandbox/index.js';
import { hygiene } from '../support/hygieneGuard.js';
import { LogCapture } from '../support/LogCapture.js';
import { fastPropagationRetry, fastRetries, startTestSandbox, type TestSandbox } from '../support/startTestSandbox.js';

type Mode = NonNullable<SandboxOptions['credential']>;
const MODES: readonly Mode[] = ['keyVaultSecret', 'keyVaultCertificate', 'managedIdentity'];
const ONE_PAGE = 'top=999&select=id';

const logs = new LogCapture();
const sandboxes: TestSandbox[] = [];
after(async () => {
    await Promise.all(sandboxes.map((t) => t.close()));
});

async function sandboxFor(credential: Mode, options: SandboxOptions = {}): Promise<TestSandbox> {
    const t = await startTestSandbox({ userCount: 50, credential, ...options }, logs);
    sandboxes.push(t);
    return t;
}

/** A runtime as a function app in Azure has it: AZURE_CLIENT_ID names the user-assigned identity in every mode. */
function runtimeFor(t: TestSandbox, settings: Readonly<Record<string, string | undefined>> = {}): Runtime {
    return createRuntime(
        { ...t.sandbox.settings, AZURE_CLIENT_ID: t.sandbox.userAssignedIdentity.clientId, ...settings },
        { ...fastRetries, logger: logs.logger('runtime') },
    );
}

/** The error the first token request fails with, as an AppError. */
async function tokenFailure(runtime: Runtime): Promise<AppError> {
    const error = await runtime.tokens.getToken().then(
        () => undefined,
        (e: unknown) => e,
    );
    hygiene.recordError(error);
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    logs.capture(error.toLogString());
    return error;
}

for (const mode of MODES) {
    describe(`GRAPH_CREDENTIAL=${mode}`, () => {
        it('50 concurrent cold invocations: one Key Vault read (none for the managed identity), one identity request, one token request', async () => {
            const t = await sandboxFor(mode);
            const runtime = runtimeFor(t);
            t.sandbox.counters.reset();
            const responses = await Promise.all(Array.from({ length: 50 }, () => t.invoke(ONE_PAGE, runtime)));
            assert.deepEqual(new Set(responses.map((r) => r.status)), new Set([200]));
            const { keyVaultSecretReads, identityRequests, tokenRequests, assertionTokenRequests } = t.sandbox.counters;
            assert.equal(keyVaultSecretReads, mode === 'managedIdentity' ? 0 : 1, 'Key Vault reads');
            assert.equal(identityRequests, 1, 'identity requests');
            assert.equal(tokenRequests, 1, 'token requests');
            assert.equal(assertionTokenRequests, mode === 'keyVaultSecret' ? 0 : 1, 'token requests with a client assertion');
        });

        it('reads every user exactly once (2,500 users): every page, and through the HTTP API with page tokens', async () => {
            const t = await sandboxFor(mode, { userCount: 2500 });
            const runtime = runtimeFor(t);
            const ids = new Set<string>();
            let total = 0;
            for await (const page of runtime.users.allPages(['id'])) {
                for (const user of page.users) ids.add(user.id);
                total += page.users.length;
            }
            assert.deepEqual([total, ids.size], [2500, 2500]);
            const paged = new Set<string>();
            let query = 'top=999&select=id';
            for (let pages = 0; pages < 5; pages += 1) {
                const response = await t.invoke(query, runtime);
                assert.equal(response.status, 200, JSON.stringify(response.json));
                for (const user of response.json.value as { id: string }[]) paged.add(user.id);
                if (response.json.nextPageToken === undefined) break;
                query = `pageToken=${encodeURIComponent(response.json.nextPageToken as string)}`;
            }
            assert.equal(paged.size, 2500);
        });
    });
}

describe('GRAPH_CREDENTIAL=keyVaultCertificate', () => {
    it('reads a PEM certificate secret (application/x-pem-file) as well as Key Vault’s default PKCS#12', async () => {
        const t = await sandboxFor('keyVaultCertificate', { certificateContentType: 'application/x-pem-file' });
        const response = await t.invoke(ONE_PAGE, runtimeFor(t));
        assert.equal(response.status, 200);
        assert.equal((response.json.value as unknown[]).length, 50);
    });

    it('reads a PKCS#12 whose key is encrypted with PBES2/AES-256', async () => {
        const t = await sandboxFor('keyVaultCertificate');
        t.sandbox.writeCertificateSecret({ algorithm: 'aes256' });
        assert.equal((await t.invoke(ONE_PAGE, runtimeFor(t))).status, 200);
    });

    it('a certificate renewed in Key Vault and the old one removed from the app: the next token request re-reads Key Vault once and succeeds', async () => {
        const t = await sandboxFor('keyVaultCertificate', { graphTokenLifetimeSeconds: 3600 });
        const runtime = runtimeFor(t);
        assert.equal((await t.invoke(ONE_PAGE, runtime)).status, 200);
        await t.sandbox.rotateCertificate({ revokeOld: true });
        t.sandbox.counters.reset();
        // A fresh token is needed (after a Graph 401, or on expiry): the cached certificate is refused with 700027.
        const token = await runtime.tokens.getToken({ forceRefresh: true });
        assert.equal(token.fromCache, false);
        assert.equal(t.sandbox.counters.keyVaultSecretReads, 1);
        assert.equal(t.sandbox.counters.tokenSuccesses, 1);
        assert.ok(logs.lines.some((l) => l.includes('Entra ID rejected certificate') && l.includes(t.sandbox.certificateThumbprint)));
    });

    it('a certificate not registered on the app: TokenCertificateRejected naming its thumbprint and the fix', async () => {
        const t = await sandboxFor('keyVaultCertificate');
        const thumbprint = t.sandbox.certificateThumbprint;
        t.sandbox.unregisterCertificates();
        const error = await tokenFailure(runtimeFor(t));
        assert.equal(error.code, 'TokenCertificateRejected');
        assert.equal(error.status, 503);
        assert.match(error.message, /AADSTS700027/);
        assert.ok(error.message.includes(thumbprint), error.message);
        assert.match(error.hint ?? '', /rotate-certificate/);
    });

    it('a certificate whose key is not exportable (no private key in the secret): KeyVaultCertificateNoPrivateKey, fix: an exportable key', async () => {
        const t = await sandboxFor('keyVaultCertificate');
        t.sandbox.writeCertificateSecret({ withPrivateKey: false });
        const error = await tokenFailure(runtimeFor(t));
        assert.equal(error.code, 'KeyVaultCertificateNoPrivateKey');
        assert.match(error.hint ?? '', /exportable/);
        const response = await t.invoke(ONE_PAGE, runtimeFor(t));
        assert.equal(response.status, 503);
        assert.equal(response.json.code, 'KeyVaultCertificateNoPrivateKey');
    });

    it('a PKCS#12 with a password: KeyVaultCertificatePasswordProtected, fix: import it as a certificate', async () => {
        const t = await sandboxFor('keyVaultCertificate');
        t.sandbox.writeCertificateSecret({ password: 'hunter2-but-longer' });
        const error = await tokenFailure(runtimeFor(t));
        assert.equal(error.code, 'KeyVaultCertificatePasswordProtected');
        assert.match(error.hint ?? '', /az keyvault certificate import/);
    });

    it('a missing certificate names GRAPH_CLIENT_CERTIFICATE_NAME in its fix', async () => {
        const t = await sandboxFor('keyVaultCertificate');
        const error = await tokenFailure(runtimeFor(t, { GRAPH_CLIENT_CERTIFICATE_NAME: 'no-such-certificate' }));
        assert.equal(error.code, 'KeyVaultSecretNotFound');
        assert.match(error.hint ?? '', /GRAPH_CLIENT_CERTIFICATE_NAME/);
    });
});

describe('GRAPH_CREDENTIAL=managedIdentity', () => {
    it('needs no KEY_VAULT_URL and no client secret: the vault is never asked', async () => {
        const t = await sandboxFor('managedIdentity');
        assert.equal(t.sandbox.settings.KEY_VAULT_URL, undefined);
        t.sandbox.counters.reset();
        assert.equal((await t.invoke(ONE_PAGE, runtimeFor(t))).status, 200);
        assert.equal(t.sandbox.counters.keyVaultRequests, 0);
    });

    it('a federated credential that is still propagating (AADSTS70021 three times): retried with backoff, then succeeds', async () => {
        const t = await sandboxFor('managedIdentity');
        t.sandbox.faults.federation.delayPropagation(3);
        t.sandbox.counters.reset();
        const token = await runtimeFor(t).tokens.getToken();
        assert.equal(token.fromCache, false);
        assert.equal(t.sandbox.counters.tokenRequests, 4);
        assert.equal(t.sandbox.counters.identityRequests, 1, 'the identity token is reused across the retries');
    });

    it('no federated credential at all: TokenFederatedCredentialMismatch after the bounded retries, naming issuer, subject and audience', async () => {
        const t = await sandboxFor('managedIdentity');
        t.sandbox.removeFederatedCredentials();
        t.sandbox.counters.reset();
        const error = await tokenFailure(runtimeFor(t));
        assert.equal(error.code, 'TokenFederatedCredentialMismatch');
        assert.equal(t.sandbox.counters.tokenRequests, fastPropagationRetry.attempts);
        const expected = t.sandbox.defaultFederatedCredential;
        for (const value of [expected.issuer, expected.subject, 'api://AzureADTokenExchange']) {
            assert.ok(error.message.includes(value), `${value} in ${error.message}`);
        }
        assert.match(error.message, /AADSTS70021/);
        assert.match(error.message, new RegExp(`asked ${fastPropagationRetry.attempts} times, with backoff`));
        assert.match(error.hint ?? '', /federated-credential create/);
    });

    it('a federated credential removed after the first token: AADSTS70021 at once, and the message says the app did not wait', async () => {
        const t = await sandboxFor('managedIdentity');
        const runtime = runtimeFor(t);
        await runtime.tokens.getToken();
        t.sandbox.removeFederatedCredentials();
        t.sandbox.counters.reset();
        const error = await runtime.tokens.getToken({ forceRefresh: true }).then(
            () => assert.fail('expected a failure'),
            (e: unknown) => e,
        );
        hygiene.recordError(error);
        assert.ok(error instanceof AppError && error.code === 'TokenFederatedCredentialMismatch', String(error));
        assert.equal(t.sandbox.counters.tokenRequests, 1, 'no propagation retry after the first token');
        assert.doesNotMatch(error.message, /asked \d+ times/);
        assert.match(error.message, /the app waits for that only until its first token/);
    });

    for (const [wrong, code] of [
        ['issuer', 'AADSTS700211'],
        ['subject', 'AADSTS700213'],
        ['audience', 'AADSTS700212'],
    ] as const) {
        it(`a federated credential with the wrong ${wrong}: ${code}, the values the app presented, no retry`, async () => {
            const t = await sandboxFor('managedIdentity');
            const good = t.sandbox.defaultFederatedCredential;
            t.sandbox.removeFederatedCredentials();
            t.sandbox.addFederatedCredential({
                ...good,
                ...(wrong === 'issuer' ? { issuer: 'https://login.microsoftonline.com/other-tenant/v2.0' } : {}),
                ...(wrong === 'subject' ? { subject: '00000000-0000-0000-0000-000000000000' } : {}),
                ...(wrong === 'audience' ? { audiences: ['api://AzureADTokenExchangeUSGov'] } : {}),
            });
            t.sandbox.counters.reset();
            const error = await tokenFailure(runtimeFor(t));
            assert.equal(error.code, 'TokenFederatedCredentialMismatch');
            assert.ok(error.message.includes(code), error.message);
            assert.ok(error.message.includes(good.subject), error.message);
            assert.equal(t.sandbox.counters.tokenRequests, 1);
        });
    }

    it('AZURE_CLIENT_ID naming the system-assigned identity: TokenSystemAssignedIdentity before Entra ID is asked', async () => {
        const t = await sandboxFor('managedIdentity');
        t.sandbox.counters.reset();
        const error = await tokenFailure(runtimeFor(t, { AZURE_CLIENT_ID: t.sandbox.managedIdentityClientId }));
        assert.equal(error.code, 'TokenSystemAssignedIdentity');
        assert.match(error.message, /system-assigned/);
        assert.match(error.hint ?? '', /user-assigned/);
        assert.equal(t.sandbox.counters.tokenRequests, 0);
        const response = await t.invoke(ONE_PAGE, runtimeFor(t, { AZURE_CLIENT_ID: t.sandbox.managedIdentityClientId }));
        assert.equal(response.status, 503);
        assert.equal(response.json.code, 'TokenSystemAssignedIdentity');
    });

    it('AZURE_CLIENT_ID unset: ConfigurationInvalid naming AZURE_CLIENT_ID and why a system-assigned identity will not do', async () => {
        const t = await sandboxFor('managedIdentity');
        assert.throws(
            () => runtimeFor(t, { AZURE_CLIENT_ID: undefined }),
            (e: unknown) =>
                e instanceof AppError &&
                e.code === 'ConfigurationInvalid' &&
                e.message.includes('AZURE_CLIENT_ID is required when GRAPH_CREDENTIAL is managedIdentity') &&
                e.message.includes('system-assigned'),
        );
    });

    it('an identity that does not exist: TokenManagedIdentityUnavailable with the fix', async () => {
        const t = await sandboxFor('managedIdentity');
        const error = await tokenFailure(runtimeFor(t, { AZURE_CLIENT_ID: '11111111-2222-4333-8444-555555555555' }));
        assert.equal(error.code, 'TokenManagedIdentityUnavailable');
        assert.match(error.hint ?? '', /AZURE_CLIENT_ID/);
    });
});

describe('secret hygiene across the three modes', () => {
    it('no private key, certificate secret, assertion or token in any captured line', () => {
        const forbidden = sandboxes.flatMap((t) => [
            ...t.sandbox.sensitiveValues(),
            ...t.sandbox.issuedTokens(),
            ...t.sandbox.secretHistory(),
        ]);
        assert.ok(forbidden.length > 0);
        assert.deepEqual(logs.leaks(forbidden), []);
    });
});
