import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { runSnapshotExport, type SnapshotExportOptions, type SnapshotExportResult } from '../../src/export/runSnapshotExport.js';
import { createExportRuntime, type ExportRuntime } from '../../src/runtime/createExportRuntime.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime/createRuntime.js';
import { startAzurite, type Azurite, type SandboxOptions } from '../../sandbox/index.js';
import { hygiene } from './hygieneGuard.js';
import { fastRetry, startTestSandbox, type TestSandbox } from './startTestSandbox.js';

/** One container of the test Azurite, with the settings that point the export at it. */
export interface ExportTarget {
    readonly container: ContainerClient;
    readonly env: Readonly<Record<string, string>>;
    exportRuntime(): ExportRuntime;
    /** A fresh (cold) Graph runtime, an "instance" whose page-token keys live in this container. */
    newRuntime(options?: RuntimeOptions): Runtime;
    /** One export run through a fresh (cold) Graph runtime. */
    run(options?: ExportRunOptions): Promise<SnapshotExportResult>;
    /** Committed blob names under snapshots/ (or `prefix`), sorted. */
    snapshotNames(prefix?: string): Promise<string[]>;
    download(name: string): Promise<Buffer>;
    /** `latest.json` as stored, or undefined. */
    latest(): Promise<{ readonly text: string; readonly etag: string } | undefined>;
    /** `delta-state.json` as stored, or undefined. */
    deltaState(): Promise<{ readonly text: string; readonly etag: string } | undefined>;
}

/** What a test may vary in one run. */
export type ExportRunOptions = Partial<Pick<SnapshotExportOptions, 'full' | 'changeLimits' | 'onProgress'>>;

export interface ExportTestKit {
    readonly t: TestSandbox;
    readonly azurite: Azurite;
    newTarget(settings?: Readonly<Record<string, string>>): Promise<ExportTarget>;
    close(): Promise<void>;
}

/** The sandbox (Graph and friends) plus Azurite from npm, each test on its own container. */
export async function startExportTestKit(options: SandboxOptions = {}): Promise<ExportTestKit> {
    const t = await startTestSandbox(options);
    const azurite = await startAzurite();
    // The storage account's endpoint names the account: internal to callers, as the vault URL is.
    hygiene.registerInternal(() => [azurite.blobEndpoint]);
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    let containers = 0;
    return {
        t,
        azurite,
        async newTarget(settings = {}) {
            containers += 1;
            const name = `export-${containers}-${process.pid}`;
            const container = service.getContainerClient(name);
            await container.createIfNotExists();
            const env = {
                ...t.sandbox.settings,
                USERS_EXPORT_STORAGE: azurite.connectionString,
                USERS_EXPORT_CONTAINER: name,
                ...settings,
            };
            return {
                container,
                env,
                exportRuntime: () => createExportRuntime(env),
                newRuntime: (options = {}) => createRuntime(env, { retry: fastRetry, logger: t.logs.logger('runtime'), ...options }),
                run: (options = {}) =>
                    runSnapshotExport({
                        graph: t.newRuntime().graph,
                        ...createExportRuntime(env),
                        logger: t.logs.logger('export'),
                        ...options,
                    }),
                async snapshotNames(prefix = 'snapshots/') {
                    const names: string[] = [];
                    for await (const item of container.listBlobsFlat({ prefix })) names.push(item.name);
                    return names.sort();
                },
                download: (blob) => container.getBlobClient(blob).downloadToBuffer(),
                latest: () => readDocument(container, 'latest.json'),
                deltaState: () => readDocument(container, 'delta-state.json'),
            };
        },
        async close() {
            await azurite.close();
            await t.close();
        },
    };
}

async function readDocument(container: ContainerClient, name: string): Promise<{ text: string; etag: string } | undefined> {
    const blob = container.getBlobClient(name);
    if (!(await blob.exists())) return undefined;
    const properties = await blob.getProperties();
    return { text: (await blob.downloadToBuffer()).toString('utf8'), etag: properties.etag ?? '' };
}

export function sha256(bytes: Buffer): string {
    return createHash('sha256').update(bytes).digest('hex');
}

/** The ids of an NDJSON snapshot's lines, in order (gunzipped first when `gzip`). */
export function snapshotIds(stored: Buffer, gzip: boolean): string[] {
    const text = (gzip ? gunzipSync(stored) : stored).toString('utf8');
    if (text === '') return [];
    if (!text.endsWith('\n')) throw new Error('A snapshot must end with a newline.');
    return text
        .slice(0, -1)
        .split('\n')
        .map((line) => (JSON.parse(line) as { id: string }).id);
}
