/**
 * Rotation as the hook really meets Azure: `rotate-certificate` makes the new version the vault's latest before
 * the hook registers it, and any new secret or certificate is refused by Entra ID until it has propagated
 * (AADSTS7000215 / 700027). The sandbox models that order (`unpropagated`, then `completePropagation()`).
 * Through the real MSAL and Key Vault SDKs: an instance whose cache expires inside that window keeps the credential
 * Entra ID accepts and switches once the new one is accepted; a cold instance uses the version the rotation
 * replaced; a new value that is never accepted is reported as an error, while the app keeps working.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { createRuntime, type Runtime } from '../../src/runtime/createRuntime.js';
import { GraphTokenProvider } from '../../src/token/GraphTokenProvider.js';
import { LogCapture } from '../support/LogCapture.js';
import { fastNewCredentialRetry, fastRetries, startTestSandbox, type TestSandbox } from '../support/startTestSandbox.js';

const ONE_PAGE = 'top=5&select=id';
const logs = new LogCapture();
const sandboxes: TestSandbox[] = [];
after(async () => {
    await Promise.all(sandboxes.map((t) => t.close()));
});

type VaultMode = 'keyVaultSecret' | 'keyVaultCertificate';

async function sandboxFor(credential: VaultMode): Promise<TestSandbox> {
    const t = await startTestSandbox({ userCount: 10, credential }, logs);
    sandboxes.push(t);
    return t;
}

/** The vault is read again after 1 s (the shortest SECRET_CACHE_TTL_SECONDS), so a test can let it expire. */
function runtimeFor(t: TestSandbox): Runtime {
    return createRuntime({ ...t.sandbox.settings, SECRET_CACHE_TTL_SECONDS: '1' }, { ...fastRetries, logger: logs.logger('runtime') });
}

const rotate = (t: TestSandbox, mode: VaultMode): Promise<string> =>
    mode === 'keyVaultSecret' ? t.sandbox.rotateSecret({ unpropagated: true }) : t.sandbox.rotateCertificate({ unpropagated: true });

/** Past the cache TTL (1 s) or the fast retry schedule (at most 200 ms). */
const pastTtl = (): Promise<void> => sleep(1_100);
const pastRetry = (): Promise<void> => sleep(250);

const linesSince = (mark: number, text: string): string[] => logs.lines.slice(mark).filter((l) => l.includes(text));

for (const mode of ['keyVaultSecret', 'keyVaultCertificate'] as const) {
    describe(`rotation window, GRAPH_CREDENTIAL=${mode}`, () => {
        it('a warm instance whose cache expires before Entra ID accepts the new value keeps the old one, then switches', async () => {
            const t = await sandboxFor(mode);
            const runtime = runtimeFor(t);
            assert.equal((await t.invoke(ONE_PAGE, runtime)).status, 200);
            await rotate(t, mode);
            const mark = logs.lines.length;
            t.sandbox.counters.reset();
            await pastTtl();

            // The vault now holds a value Entra ID refuses: every call still succeeds, on the old credential's token.
            for (let i = 0; i < 3; i += 1) {
                assert.equal((await t.invoke(ONE_PAGE, runtime)).status, 200);
                await pastRetry();
            }
            assert.ok(t.sandbox.counters.unpropagatedCredentialRejections >= 2, 'the new value was tried again, on schedule');
            assert.equal(t.sandbox.counters.newestCredentialAccepted, 0);
            assert.equal(linesSince(mark, 'Entra ID refused').length, 1, 'logged once');
            assert.match(linesSince(mark, 'Entra ID refused')[0]!, /may not have reached all of Entra ID yet/);

            // Entra ID accepts it: the next try switches, with one info line.
            t.sandbox.completePropagation();
            await pastRetry();
            assert.equal((await t.invoke(ONE_PAGE, runtime)).status, 200);
            assert.equal(t.sandbox.counters.newestCredentialAccepted, 1, 'switched to the new value');
            assert.equal(linesSince(mark, 'Entra ID now accepts').length, 1);

            // The hook then removes the old one: nothing changes for this instance, even for a fresh token.
            t.sandbox.completePropagation({ revokeOld: true });
            t.sandbox.counters.reset();
            assert.equal((await runtime.tokens.getToken({ forceRefresh: true })).fromCache, false);
            assert.equal(t.sandbox.counters.olderCredentialAccepted, 0);
        });

        it('the token endpoint failing while the new value is tried is no refusal: the working credential serves the call', async () => {
            const t = await sandboxFor(mode);
            const runtime = runtimeFor(t);
            assert.equal((await t.invoke(ONE_PAGE, runtime)).status, 200);
            await rotate(t, mode);
            await pastTtl();
            const mark = logs.lines.length;
            t.sandbox.counters.reset();
            // Every attempt at the new value (3, with backoff) gets a 503; the old credential's token is still cached.
            t.sandbox.faults.token.fail(3, 503);
            assert.equal((await t.invoke(ONE_PAGE, runtime)).status, 200);
            assert.equal(t.sandbox.counters.unpropagatedCredentialRejections, 0, 'Entra ID never judged the new value');
            assert.equal(linesSince(mark, 'Could not try').length, 1);
            assert.match(linesSince(mark, 'Could not try')[0]!, /TokenEndpointUnavailable/);
            assert.equal(linesSince(mark, 'Entra ID refused').length, 0);

            t.sandbox.completePropagation();
            await pastRetry();
            assert.equal((await t.invoke(ONE_PAGE, runtime)).status, 200);
            assert.equal(t.sandbox.counters.newestCredentialAccepted, 1, 'tried again once due, and switched');
            assert.equal(linesSince(mark, 'from now on, instead of').length, 1);
            assert.equal(linesSince(mark, 'Entra ID now accepts').length, 0, 'it was never refused');
        });

        it('Key Vault failing once the cache expired (or its current version disabled): the accepted credential keeps serving; a cold instance reports the vault', async () => {
            const t = await sandboxFor(mode);
            const runtime = runtimeFor(t);
            assert.equal((await t.invoke(ONE_PAGE, runtime)).status, 200);
            await pastTtl();
            const mark = logs.lines.length;
            t.sandbox.faults.keyVault.fail(1_000, 503);
            assert.equal((await t.invoke(ONE_PAGE, runtime)).status, 200, 'served on the credential Entra ID accepted');
            assert.equal(linesSince(mark, 'Key Vault could not be read').length, 1);
            const cold = await t.invoke(ONE_PAGE, runtimeFor(t));
            assert.equal(cold.status, 503, 'nothing held: the vault error');
            assert.equal(cold.json.code, 'KeyVaultUnavailable');
            t.sandbox.faults.keyVault.clear();
            if (mode === 'keyVaultSecret') {
                // An operator rolling a bad new version back by disabling it.
                t.sandbox.disableSecret();
                await pastTtl();
                assert.equal((await t.invoke(ONE_PAGE, runtime)).status, 200);
                assert.ok(linesSince(mark, 'KeyVaultSecretDisabled').length >= 1);
            }
        });

        it('a cold instance started inside the window uses the version the rotation replaced, then the new one', async () => {
            const t = await sandboxFor(mode);
            await rotate(t, mode);
            const mark = logs.lines.length;
            t.sandbox.counters.reset();
            const runtime = runtimeFor(t);
            assert.equal((await t.invoke(ONE_PAGE, runtime)).status, 200);
            assert.equal(t.sandbox.counters.keyVaultSecretReads, 2, 'the latest version, then the one before it');
            assert.equal(t.sandbox.counters.unpropagatedCredentialRejections, 1);
            assert.equal(t.sandbox.counters.olderCredentialAccepted, 1);
            assert.equal(linesSince(mark, 'an earlier Key Vault version Entra ID accepts').length, 1);

            t.sandbox.completePropagation({ revokeOld: true });
            await pastRetry();
            assert.equal((await t.invoke(ONE_PAGE, runtime)).status, 200);
            assert.equal(t.sandbox.counters.newestCredentialAccepted, 1);
        });

        it('a new value Entra ID never accepts: the app keeps working on the old one, and after 5 minutes logs an error with the fix', async () => {
            const t = await sandboxFor(mode);
            const { settings, credentials } = runtimeFor(t);
            const started = Date.now();
            let minutes = 0;
            const tokens = new GraphTokenProvider({
                ...settings,
                credentials,
                logger: logs.logger('runtime'),
                newCredentialRetry: fastNewCredentialRetry,
                now: () => started + minutes * 60_000,
            });
            await tokens.getToken();
            await rotate(t, mode); // and Entra ID never accepts it: not registered, a wrong value
            await pastTtl();
            const mark = logs.lines.length;
            t.sandbox.counters.reset();
            for (minutes = 0; minutes <= 20; minutes += 2) {
                // A fresh token each time: the old credential itself must still be accepted, not only its cached token.
                assert.equal((await tokens.getToken({ forceRefresh: true })).fromCache, false, `minute ${minutes}`);
            }
            assert.equal(
                t.sandbox.counters.unpropagatedCredentialRejections,
                11,
                'tried again whenever due (the fake clock moves 2 minutes)',
            );
            assert.equal(t.sandbox.counters.olderCredentialAccepted, 11);
            assert.equal(linesSince(mark, 'Entra ID refused').length, 2, 'one warning, then one error');
            const alarm = linesSince(mark, '[runtime error]');
            assert.equal(alarm.length, 1);
            assert.match(alarm[0]!, /for 6 minutes: it is not propagating, it is wrong/);
            assert.match(
                alarm[0]!,
                mode === 'keyVaultSecret' ? /TokenInvalidClientSecret.*rotate-secret/ : /TokenCertificateRejected.*rotate-certificate/,
            );
        });
    });
}
