/**
 * Load on the token path, in-process and bounded: 10,000 HTTP handler invocations at concurrency
 * 200 from a cold runtime, three rounds, then the same load while the secret rotates mid-run; for the
 * certificate and managed identity modes, 10,000 warm invocations and a rotation (a renewed certificate,
 * an identity token that expires) mid-run. Counts and memory only: no timing assertions.
 */
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, describe, it } from 'node:test';
import type { Runtime } from '../../src/runtime/createRuntime.js';
import { LogCapture } from '../support/LogCapture.js';
import { createRuntime } from '../../src/runtime/createRuntime.js';
import { fastRetries, startTestSandbox, type TestSandbox } from '../support/startTestSandbox.js';

const INVOCATIONS = 10_000;
/** Rotation runs: long enough for several token refreshes (every ~2 s with 302-second tokens). */
const ROTATION_INVOCATIONS = 5_000;
const CONCURRENCY = 200;
/** Heap growth allowed between round 1 and round 3, after a full GC (measured: under 2 MB). */
const MAX_HEAP_GROWTH_BYTES = 8 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Runs `count` invocations with at most `concurrency` in flight; returns the statuses seen. */
async function load(
    t: TestSandbox,
    runtime: Runtime,
    count: number,
    concurrency: number,
    midway?: () => Promise<unknown>,
): Promise<Map<number, number>> {
    const statuses = new Map<number, number>();
    let next = 0;
    let midwayDone: Promise<unknown> | undefined;
    const worker = async (): Promise<void> => {
        while (next < count) {
            const index = next++;
            if (index === Math.floor(count / 2) && midway !== undefined) midwayDone = midway();
            const response = await t.invoke('top=1&select=id', runtime);
            const status = response.status ?? 0;
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    await midwayDone;
    return statuses;
}

/**
 * Rounds of `ROUND` invocations until `done()` says the event under test happened (a token refresh comes
 * every ~2 s, so how many rounds that takes depends on the machine), at most `MAX_ROUNDS`.
 */
async function loadUntil(t: TestSandbox, runtime: Runtime, done: () => boolean): Promise<Map<number, number>> {
    const statuses = new Map<number, number>();
    for (let round = 0; round < MAX_ROUNDS && !done(); round += 1) {
        for (const [status, count] of await load(t, runtime, ROUND, CONCURRENCY)) {
            statuses.set(status, (statuses.get(status) ?? 0) + count);
        }
    }
    return statuses;
}
const ROUND = 1_000;
const MAX_ROUNDS = 30;

/** 200 requests in flight against an in-process sandbox queue for seconds: keep production timeouts. */
const loadRetry = { ...fastRetries.retry, requestTimeoutMs: 30_000, maxTotalMs: 120_000 };

const figures: string[] = [];
after(() => {
    console.log(`\nToken-path load:\n${figures.join('\n')}\n`);
});

describe('token path under load', () => {
    it('three rounds of 10,000 invocations at concurrency 200: zero failures, 1 vault read, 1 token request, flat memory', async () => {
        const t = await startTestSandbox({ userCount: 10 }, new LogCapture({ retain: false }));
        try {
            const runtime = t.newRuntime({ retry: loadRetry });
            const heaps: number[] = [];
            for (let round = 1; round <= 3; round += 1) {
                const statuses = await load(t, runtime, INVOCATIONS, CONCURRENCY);
                assert.deepEqual([...statuses], [[200, INVOCATIONS]], `round ${round}`);
                t.sandbox.clearRequestLog();
                gc();
                heaps.push(process.memoryUsage().heapUsed);
                figures.push(
                    `round ${round}: ${INVOCATIONS} invocations, 0 failures, vault reads ${t.sandbox.counters.keyVaultSecretReads}, token requests ${t.sandbox.counters.tokenRequests}, heap ${(heaps.at(-1)! / 1048576).toFixed(1)} MB`,
                );
            }
            // One token lifetime (3600 s) covers the whole run: exactly one of each.
            assert.equal(t.sandbox.counters.keyVaultSecretReads, 1);
            assert.equal(t.sandbox.counters.tokenRequests, 1);
            assert.equal(t.sandbox.counters.graphRequests, 3 * INVOCATIONS);
            const growth = heaps[2]! - heaps[0]!;
            assert.ok(growth < MAX_HEAP_GROWTH_BYTES, `heap grew ${growth} bytes from round 1 to round 3`);
        } finally {
            await t.close();
        }
    });

    it('10,000 invocations while the secret is rotated and the old one revoked mid-run: zero failures', async () => {
        // Tokens live 302 s, so MSAL (5-minute margin) refreshes every ~2 s and meets the revoked secret.
        const t = await startTestSandbox({ userCount: 10, graphTokenLifetimeSeconds: 302 }, new LogCapture({ retain: false }));
        try {
            const runtime = t.newRuntime({ retry: loadRetry });
            const statuses = await load(t, runtime, INVOCATIONS, CONCURRENCY, () => t.sandbox.rotateSecret({ revokeOld: true }));
            assert.deepEqual([...statuses], [[200, INVOCATIONS]]);
            // The initial read plus at most one re-read per rejection (single-flight joins them).
            assert.ok(t.sandbox.counters.keyVaultSecretReads <= 2, `vault reads ${t.sandbox.counters.keyVaultSecretReads}`);
            figures.push(
                `rotation: ${INVOCATIONS} invocations, 0 failures, vault reads ${t.sandbox.counters.keyVaultSecretReads}, token requests ${t.sandbox.counters.tokenRequests}`,
            );
        } finally {
            await t.close();
        }
    });

    const runtimeFor = (t: TestSandbox): Runtime =>
        createRuntime({ ...t.sandbox.settings }, { ...fastRetries, retry: loadRetry, logger: t.logs.logger('runtime') });

    for (const credential of ['keyVaultCertificate', 'managedIdentity'] as const) {
        it(`${credential}: 10,000 warm invocations after a cold start make 1 identity request and 1 Entra request`, async () => {
            const t = await startTestSandbox({ userCount: 10, credential }, new LogCapture({ retain: false }));
            try {
                const runtime = runtimeFor(t);
                const statuses = await load(t, runtime, INVOCATIONS, CONCURRENCY, undefined);
                assert.deepEqual([...statuses], [[200, INVOCATIONS]]);
                const { identityRequests, tokenRequests, keyVaultSecretReads } = t.sandbox.counters;
                assert.equal(identityRequests, 1, 'identity requests');
                assert.equal(tokenRequests, 1, 'Entra token requests');
                assert.equal(keyVaultSecretReads, credential === 'managedIdentity' ? 0 : 1, 'Key Vault reads');
                figures.push(
                    `${credential}: ${INVOCATIONS} invocations, 0 failures, identity requests ${identityRequests}, token requests ${tokenRequests}, vault reads ${keyVaultSecretReads}`,
                );
            } finally {
                await t.close();
            }
        });
    }

    it('keyVaultCertificate: Key Vault renews the certificate and the old one is removed mid-load: zero failures, one re-read', async () => {
        // Graph tokens live 302 s, so MSAL (5-minute margin) asks Entra again every ~2 s and meets the removed certificate.
        const t = await startTestSandbox(
            { userCount: 10, credential: 'keyVaultCertificate', graphTokenLifetimeSeconds: 302 },
            new LogCapture({ retain: false }),
        );
        try {
            const runtime = runtimeFor(t);
            const first = await load(t, runtime, ROTATION_INVOCATIONS, CONCURRENCY, () => t.sandbox.rotateCertificate({ revokeOld: true }));
            const rest = await loadUntil(t, runtime, () => t.sandbox.counters.keyVaultSecretReads >= 2);
            assert.deepEqual(
                [...first, ...rest].filter(([status]) => status !== 200),
                [],
            );
            assert.equal(
                t.sandbox.counters.keyVaultSecretReads,
                2,
                'the initial read and one re-read after Entra refused the old certificate',
            );
            figures.push(
                `certificate renewal: ${ROTATION_INVOCATIONS + [...rest.values()].reduce((a, b) => a + b, 0)} invocations, 0 failures, vault reads ${t.sandbox.counters.keyVaultSecretReads}, token requests ${t.sandbox.counters.tokenRequests}`,
            );
        } finally {
            await t.close();
        }
    });

    for (const credential of ['keyVaultSecret', 'keyVaultCertificate'] as const) {
        it(`${credential}: rotated mid-load as the hook meets Azure (the vault first, Entra ID later) while caches expire: zero failures`, async () => {
            // Graph tokens live 302 s, so MSAL asks Entra again every ~2 s; the vault is re-read every second.
            const t = await startTestSandbox(
                { userCount: 10, credential, graphTokenLifetimeSeconds: 302 },
                new LogCapture({ retain: false }),
            );
            try {
                const runtime = createRuntime(
                    { ...t.sandbox.settings, SECRET_CACHE_TTL_SECONDS: '1' },
                    { ...fastRetries, retry: loadRetry, logger: t.logs.logger('runtime') },
                );
                const rotate = (): Promise<string> =>
                    credential === 'keyVaultSecret'
                        ? t.sandbox.rotateSecret({ unpropagated: true })
                        : t.sandbox.rotateCertificate({ unpropagated: true });
                const counters = t.sandbox.counters;
                const rounds = [await load(t, runtime, 2 * ROUND, CONCURRENCY, rotate)];
                // The window: the vault's latest is refused, several cache expiries and retries long.
                rounds.push(
                    await loadUntil(
                        t,
                        runtime,
                        () => counters.unpropagatedCredentialRejections >= 3 && counters.olderCredentialAccepted >= 3,
                    ),
                );
                assert.ok(counters.unpropagatedCredentialRejections >= 3, `refusals ${counters.unpropagatedCredentialRejections}`);
                assert.ok(counters.olderCredentialAccepted >= 3, 'the old credential kept getting tokens meanwhile');
                t.sandbox.completePropagation();
                rounds.push(await loadUntil(t, runtime, () => counters.newestCredentialAccepted >= 1));
                assert.ok(counters.newestCredentialAccepted >= 1, 'switched once Entra ID accepted the new value');
                // The hook removes the old credential after its grace period: tokens keep coming from the new one.
                t.sandbox.completePropagation({ revokeOld: true });
                const switched = counters.newestCredentialAccepted;
                rounds.push(await loadUntil(t, runtime, () => counters.newestCredentialAccepted >= switched + 2));
                assert.ok(counters.newestCredentialAccepted >= switched + 2);
                const statuses = rounds.flatMap((round) => [...round]);
                assert.deepEqual(
                    statuses.filter(([status]) => status !== 200),
                    [],
                );
                figures.push(
                    `${credential} rotation window: ${statuses.reduce((sum, [, n]) => sum + n, 0)} invocations, 0 failures, ${counters.unpropagatedCredentialRejections} refusals of the new value, vault reads ${counters.keyVaultSecretReads}, token requests ${counters.tokenRequests}`,
                );
            } finally {
                await t.close();
            }
        });
    }

    it('managedIdentity: identity tokens expire mid-load: zero failures, the identity library fetches new ones, Entra never sees an expired one', async () => {
        // Identity and Graph tokens live 302 s: both count as expired ~2 s after issue (5-minute margin).
        const t = await startTestSandbox(
            { userCount: 10, credential: 'managedIdentity', graphTokenLifetimeSeconds: 302, identityTokenLifetimeSeconds: 302 },
            new LogCapture({ retain: false }),
        );
        try {
            const runtime = runtimeFor(t);
            const statuses = await loadUntil(
                t,
                runtime,
                () => t.sandbox.counters.identityRequests >= 3 && t.sandbox.counters.tokenRequests >= 3,
            );
            assert.deepEqual(
                [...statuses].filter(([status]) => status !== 200),
                [],
            );
            const { identityRequests, tokenRequests, expiredAssertions } = t.sandbox.counters;
            assert.ok(
                identityRequests >= 3 && tokenRequests >= 3,
                `identity requests ${identityRequests}, token requests ${tokenRequests}`,
            );
            assert.equal(expiredAssertions, 0);
            figures.push(
                `identity token expiry: ${statuses.get(200) ?? 0} invocations, 0 failures, identity requests ${identityRequests}, token requests ${tokenRequests}`,
            );
        } finally {
            await t.close();
        }
    });
});
