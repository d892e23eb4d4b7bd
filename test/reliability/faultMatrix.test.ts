/**
 * The fault matrix: each row injects one fault (sandbox Graph, Key Vault, Entra ID, or storage
 * through a wire-level proxy in front of Azurite) and runs a snapshot export through the real
 * SDKs: a full read (`--full`), or for the delta rows an incremental run over a round of several
 * pages. Expected outcome per row: the export completes exactly once with every user and a
 * manifest that matches its blob, or it fails cleanly with the documented code and HTTP status,
 * leaving the previous snapshot, latest.json and the delta state exactly as they were.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BlobServiceClient } from '@azure/storage-blob';
import { AppError } from '../../src/errors/AppError.js';
import { runSnapshotExport } from '../../src/export/runSnapshotExport.js';
import { createExportRuntime } from '../../src/runtime/createExportRuntime.js';
import type { RuntimeOptions } from '../../src/runtime/createRuntime.js';
import { startAzurite, startStorageFaultProxy, type Azurite, type SandboxOptions, type StorageFaultProxy } from '../../sandbox/index.js';
import { hygiene } from '../support/hygieneGuard.js';
import { sha256, snapshotIds } from '../support/startExportTestKit.js';
import { fastRetry, startTestSandbox, type TestSandbox } from '../support/startTestSandbox.js';

const USERS = 2500;
/** Storage rows export enough users for several 4 MiB blocks, so a failure lands mid-upload. */
const STORAGE_USERS = 40_000;

type Expected = { readonly outcome: 'complete' } | { readonly outcome: 'fail'; readonly code: string; readonly status: number };

/** Delta rows change this many users first, so their round has several pages (200 users each, plus replays). */
const DELTA_CHANGES = 600;

interface Arranged {
    readonly t: TestSandbox;
    readonly proxy: StorageFaultProxy;
}

interface Row {
    readonly name: string;
    readonly expected: Expected;
    readonly arrange: (a: Arranged) => unknown;
    readonly sandbox?: SandboxOptions;
    readonly runtime?: RuntimeOptions;
    /** Read the secret into the exporting runtime's cache before `arrange`. */
    readonly warmSecretCache?: boolean;
    /** Extra checks on the sandbox after the run (e.g. request counts). */
    readonly verify?: (t: TestSandbox) => void;
    /** `incremental`: the run continues from the previous one's delta state over DELTA_CHANGES changes. Default `full`. */
    readonly mode?: 'full' | 'incremental';
    /** The mode the completed run must report (default: `mode`); a delta row may complete as a full read. */
    readonly completesAs?: 'full' | 'incremental';
}

const complete: Expected = { outcome: 'complete' };
const retryAfterDate = (): string => new Date(Date.now() + 1000).toUTCString();

const rows: readonly Row[] = [
    {
        name: 'Graph 429 storm, Retry-After in seconds',
        expected: complete,
        arrange: ({ t }) => {
            t.sandbox.faults.graph.throttle(3, '1');
        },
    },
    {
        name: 'Graph 429 storm, Retry-After as HTTP-date',
        expected: complete,
        arrange: ({ t }) => {
            t.sandbox.faults.graph.throttle(2, retryAfterDate());
        },
    },
    {
        name: 'Graph 429 storm, no Retry-After (jittered backoff)',
        expected: complete,
        arrange: ({ t }) => {
            t.sandbox.faults.graph.throttle(4);
        },
    },
    {
        name: 'Graph 429 storm longer than the retry budget',
        expected: { outcome: 'fail', code: 'GraphThrottled', status: 503 },
        arrange: ({ t }) => {
            t.sandbox.faults.graph.throttle(50);
        },
    },
    {
        name: 'Graph 503 twice',
        expected: complete,
        arrange: ({ t }) => {
            t.sandbox.faults.graph.fail(2, 503);
        },
    },
    {
        name: 'Graph 504 twice',
        expected: complete,
        arrange: ({ t }) => {
            t.sandbox.faults.graph.fail(2, 504);
        },
    },
    {
        name: 'Graph 503 persisting past the retry budget',
        expected: { outcome: 'fail', code: 'GraphUnavailable', status: 502 },
        arrange: ({ t }) => {
            t.sandbox.faults.graph.fail(50, 503);
        },
    },
    {
        name: 'Graph connection reset mid-body',
        expected: complete,
        arrange: ({ t }) => {
            t.sandbox.faults.graph.resetConnection(2);
        },
    },
    {
        name: 'Graph slower than the request timeout',
        expected: { outcome: 'fail', code: 'GraphUnavailable', status: 502 },
        arrange: ({ t }) => {
            t.sandbox.faults.graph.latencyMs = 400;
        },
        runtime: { retry: { ...fastRetry, requestTimeoutMs: 100, maxAttempts: 3 } },
    },
    {
        name: 'Graph malformed JSON page',
        expected: complete,
        arrange: ({ t }) => {
            t.sandbox.faults.graph.malformed(1);
        },
    },
    {
        name: 'Graph nextLink to a foreign origin',
        expected: { outcome: 'fail', code: 'GraphForeignNextLink', status: 502 },
        arrange: ({ t }) => {
            t.sandbox.faults.graph.foreignNextLink(1, 'https://evil.example');
        },
        verify: (t) => {
            assert.ok(t.sandbox.requests.every((r) => r.service !== 'graph' || r.path.startsWith('/v1.0/users')));
        },
    },
    {
        name: 'Graph 403: admin consent missing',
        expected: { outcome: 'fail', code: 'GraphConsentMissing', status: 502 },
        arrange: ({ t }) => {
            t.sandbox.setAppRoles([]);
        },
    },
    {
        name: 'Key Vault 5xx twice (SDK retries)',
        expected: complete,
        arrange: ({ t }) => {
            t.sandbox.faults.keyVault.fail(2, 503);
        },
    },
    {
        name: 'Key Vault 5xx persisting',
        expected: { outcome: 'fail', code: 'KeyVaultUnavailable', status: 503 },
        arrange: ({ t }) => {
            t.sandbox.faults.keyVault.fail(50, 500);
        },
    },
    {
        name: 'Key Vault slower than the read timeout',
        expected: { outcome: 'fail', code: 'KeyVaultUnavailable', status: 503 },
        arrange: ({ t }) => {
            t.sandbox.faults.keyVault.latencyMs = 500;
        },
        runtime: { keyVaultTimeoutMs: 150 },
    },
    {
        name: 'Key Vault 403 (no role)',
        expected: { outcome: 'fail', code: 'KeyVaultForbidden', status: 503 },
        arrange: ({ t }) => {
            t.sandbox.setKeyVaultAccess(false);
        },
    },
    {
        name: 'Key Vault secret missing',
        expected: { outcome: 'fail', code: 'KeyVaultSecretNotFound', status: 503 },
        arrange: ({ t }) => {
            t.sandbox.deleteSecret();
        },
    },
    {
        name: 'Key Vault secret disabled',
        expected: { outcome: 'fail', code: 'KeyVaultSecretDisabled', status: 503 },
        arrange: ({ t }) => {
            t.sandbox.disableSecret();
        },
    },
    {
        name: 'Token endpoint 503 once',
        expected: complete,
        arrange: ({ t }) => {
            t.sandbox.faults.token.fail(1, 503);
        },
    },
    {
        // Throttling is honoured, not retried at once: the caller gets 503 with Retry-After.
        name: 'Token endpoint 429 (throttled)',
        expected: { outcome: 'fail', code: 'TokenEndpointUnavailable', status: 503 },
        arrange: ({ t }) => {
            t.sandbox.faults.token.fail(1, 429);
        },
    },
    {
        name: 'Token endpoint 5xx persisting',
        expected: { outcome: 'fail', code: 'TokenEndpointUnavailable', status: 503 },
        arrange: ({ t }) => {
            t.sandbox.faults.token.fail(50, 500);
        },
    },
    {
        name: 'invalid_client after rotation: recovers after one re-read',
        expected: complete,
        // The exporting runtime has the old secret cached when the rotation happens.
        warmSecretCache: true,
        arrange: ({ t }) => t.sandbox.rotateSecret({ revokeOld: true }),
        verify: (t) => {
            assert.equal(t.sandbox.counters.tokenSuccesses, 1);
        },
    },
    {
        name: 'Graph 401 mid-export: token expired while MSAL still caches it',
        expected: complete,
        // JWTs expire after 2 s although expires_in says an hour; 7 pages of 400 ms outlast them.
        sandbox: { userCount: 6000, graphTokenEarlyExpirySeconds: 2 },
        arrange: ({ t }) => {
            t.sandbox.faults.graph.latencyMs = 400;
        },
        verify: (t) => {
            assert.ok(t.sandbox.counters.tokenRequests >= 2, `fresh tokens fetched: ${t.sandbox.counters.tokenRequests}`);
        },
    },
    {
        name: 'Expired client secret (AADSTS7000222)',
        expected: { outcome: 'fail', code: 'TokenClientSecretExpired', status: 503 },
        arrange: ({ t }) => {
            t.sandbox.expireSecret();
        },
    },
    {
        name: 'Storage 500 on a block upload, once (SDK retries)',
        expected: complete,
        sandbox: { userCount: STORAGE_USERS },
        arrange: ({ proxy }) => {
            proxy.failBlockUploads(1, 1, 500);
        },
    },
    {
        name: 'Storage upload refused mid-snapshot (403 on block 2)',
        expected: { outcome: 'fail', code: 'ExportFailed', status: 503 },
        sandbox: { userCount: STORAGE_USERS },
        arrange: ({ proxy }) => {
            proxy.failBlockUploads(1, 50, 403);
        },
    },
    {
        name: 'Manifest write conflict (412 on latest.json)',
        expected: { outcome: 'fail', code: 'ExportConflict', status: 409 },
        arrange: ({ proxy }) => {
            proxy.conflictManifestWrites(1);
        },
    },
    {
        name: 'Delta: Graph 503 twice after the first delta page',
        mode: 'incremental',
        expected: complete,
        arrange: ({ t }) => {
            t.sandbox.faults.graph.failAfterPages(1, 2, 503);
        },
    },
    {
        name: 'Delta: Graph 503 persisting mid-round',
        mode: 'incremental',
        expected: { outcome: 'fail', code: 'GraphUnavailable', status: 502 },
        arrange: ({ t }) => {
            t.sandbox.faults.graph.failAfterPages(1, 50, 503);
        },
    },
    {
        name: 'Delta: Graph 429 storm on the first delta request',
        mode: 'incremental',
        expected: complete,
        arrange: ({ t }) => {
            t.sandbox.faults.graph.throttle(3, '1');
        },
    },
    {
        name: 'Delta: connection reset mid-body',
        mode: 'incremental',
        expected: complete,
        arrange: ({ t }) => {
            t.sandbox.faults.graph.resetConnection(2);
        },
    },
    {
        name: 'Delta: malformed JSON page',
        mode: 'incremental',
        expected: complete,
        arrange: ({ t }) => {
            t.sandbox.faults.graph.malformed(1);
        },
    },
    {
        name: 'Delta: token expired (400 syncStateNotFound): a full read instead',
        mode: 'incremental',
        completesAs: 'full',
        expected: complete,
        arrange: ({ t }) => {
            t.sandbox.expireDeltaTokens('syncStateNotFound');
        },
    },
    {
        name: 'Delta: token gone (410 with Location), throttled first: a full read instead',
        mode: 'incremental',
        completesAs: 'full',
        expected: complete,
        arrange: ({ t }) => {
            t.sandbox.expireDeltaTokens('gone');
            t.sandbox.faults.graph.throttle(2, '1');
        },
    },
    {
        name: 'Delta: nextLink to a foreign origin mid-round',
        mode: 'incremental',
        expected: { outcome: 'fail', code: 'GraphForeignNextLink', status: 502 },
        arrange: ({ t }) => {
            t.sandbox.faults.graph.foreignNextLink(1, 'https://evil.example');
        },
        verify: (t) => {
            assert.ok(t.sandbox.requests.every((r) => r.service !== 'graph' || r.path.startsWith('/v1.0/users')));
        },
    },
    {
        name: 'Delta: repeated nextLink mid-round',
        mode: 'incremental',
        expected: { outcome: 'fail', code: 'GraphRepeatedNextLink', status: 502 },
        arrange: ({ t }) => {
            t.sandbox.faults.graph.repeatNextLink(1);
        },
    },
    {
        name: 'Delta: reading the base snapshot refused (403)',
        mode: 'incremental',
        expected: { outcome: 'fail', code: 'ExportFailed', status: 503 },
        arrange: ({ proxy }) => {
            proxy.failSnapshotReads(1, 403);
        },
    },
    {
        name: 'Delta: manifest write conflict after the merge',
        mode: 'incremental',
        expected: { outcome: 'fail', code: 'ExportConflict', status: 409 },
        arrange: ({ proxy }) => {
            proxy.conflictManifestWrites(1);
        },
    },
];

const observed: { row: string; expected: string; observed: string }[] = [];
const describeExpected = (e: Expected): string => (e.outcome === 'complete' ? 'complete, every user once' : `fail ${e.status} ${e.code}`);

after(() => {
    const width = Math.max(...observed.map((o) => o.row.length));
    const lines = observed.map((o) => `${o.row.padEnd(width)} | ${o.expected.padEnd(30)} | ${o.observed}`);
    const survived = observed.filter((o) => o.expected === o.observed).length;
    console.log(
        `\nFault matrix: ${survived}/${observed.length} rows as expected\n${'row'.padEnd(width)} | ${'expected'.padEnd(30)} | observed\n${lines.join('\n')}\n`,
    );
});

let azurite: Azurite;
let containers = 0;
before(async () => {
    azurite = await startAzurite();
});
after(() => azurite.close());

describe('fault matrix', () => {
    for (const row of rows) {
        it(row.name, async () => {
            const userCount = row.sandbox?.userCount ?? USERS;
            const t = await startTestSandbox({ userCount, ...row.sandbox });
            const proxy = await startStorageFaultProxy(azurite);
            try {
                containers += 1;
                const env = {
                    ...t.sandbox.settings,
                    USERS_EXPORT_STORAGE: proxy.connectionString,
                    USERS_EXPORT_CONTAINER: `matrix-${containers}`,
                };
                const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
                    `matrix-${containers}`,
                );
                const mode = row.mode ?? 'full';
                const exportOnce = (runtime: ReturnType<TestSandbox['newRuntime']>, full: boolean) =>
                    runSnapshotExport({ graph: runtime.graph, ...createExportRuntime(env), logger: t.logs.logger('export'), full });
                const listFiles = async (): Promise<string[]> => {
                    const names: string[] = [];
                    for await (const blob of container.listBlobsFlat()) names.push(blob.name);
                    return names.sort();
                };
                const read = async (name: string): Promise<string> =>
                    (await container.getBlobClient(name).downloadToBuffer()).toString('utf8');

                // A previous good snapshot, which a failing row must leave untouched.
                await exportOnce(t.newRuntime(), true);
                if (mode === 'incremental') for (let i = 0; i < DELTA_CHANGES; i += 1) t.sandbox.directory.update(i * 4);
                const latestBefore = await read('latest.json');
                const stateBefore = await read('delta-state.json');
                const filesBefore = await listFiles();

                const runtime = t.newRuntime(row.runtime);
                if (row.warmSecretCache === true) await runtime.credentials.getCredential();
                await row.arrange({ t, proxy });
                t.sandbox.counters.reset();
                let outcome: string;
                try {
                    const { manifest } = await exportOnce(runtime, mode === 'full');
                    assert.equal(manifest.mode, row.completesAs ?? mode, 'the run completed in the expected mode');
                    const stored = await container.getBlobClient(manifest.blobName).downloadToBuffer();
                    const ids = snapshotIds(stored, manifest.gzip);
                    const unique = new Set(ids);
                    const everyUserOnce =
                        ids.length === userCount &&
                        unique.size === userCount &&
                        unique.has(t.sandbox.userAt(userCount - 1).id) &&
                        manifest.userCount === userCount &&
                        manifest.sha256 === sha256(stored) &&
                        (JSON.parse(await read('latest.json')) as { blobName: string }).blobName === manifest.blobName &&
                        (JSON.parse(await read('delta-state.json')) as { snapshot: { blobName: string } }).snapshot.blobName ===
                            manifest.blobName;
                    outcome = everyUserOnce ? 'complete, every user once' : `incomplete: ${ids.length} ids, ${unique.size} unique`;
                } catch (error) {
                    hygiene.recordError(error);
                    assert.ok(error instanceof AppError, String(error));
                    assert.ok(error.hint !== undefined || error.code.startsWith('Graph'), `${error.code} has a hint`);
                    assert.equal(await read('latest.json'), latestBefore, 'latest.json is unchanged');
                    assert.equal(await read('delta-state.json'), stateBefore, 'the delta state is unchanged');
                    assert.deepEqual(await listFiles(), filesBefore, 'no new snapshot or change file is visible');
                    outcome = `fail ${error.status} ${error.code}`;
                }
                observed.push({ row: row.name, expected: describeExpected(row.expected), observed: outcome });
                assert.equal(outcome, describeExpected(row.expected));
                row.verify?.(t);
            } finally {
                await proxy.close();
                await t.close();
            }
        });
    }
});
