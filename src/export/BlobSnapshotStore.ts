import type { Readable } from 'node:stream';
import type { ContainerClient } from '@azure/storage-blob';
import { ExportConflictError } from '../errors/errorClasses.js';
import { MANIFEST_NAME, parseManifest, type SnapshotManifest } from './SnapshotManifest.js';
import type { SnapshotStore, StoredManifest } from './SnapshotStore.js';
import { toStorageError } from './toStorageError.js';

/** Blocks staged per request and held in memory at once: memory stays near BLOCK_SIZE × BLOCKS_IN_FLIGHT. */
const BLOCK_SIZE = 4 * 1024 * 1024;
const BLOCKS_IN_FLIGHT = 2;

export interface BlobSnapshotStoreOptions {
    /** Create the container when missing: only for connection strings (Azurite); in Azure, Bicep creates it. */
    readonly createContainer: boolean;
}

/**
 * Snapshots as block blobs: `uploadStream` stages blocks and commits the block list only at the
 * end, so a failed run leaves nothing visible. `latest.json` is replaced with an ETag condition.
 */
export class BlobSnapshotStore implements SnapshotStore {
    readonly location: string;
    readonly #container: ContainerClient;
    readonly #options: BlobSnapshotStoreOptions;

    constructor(container: ContainerClient, options: BlobSnapshotStoreOptions) {
        this.#container = container;
        this.#options = options;
        this.location = container.url;
    }

    async prepare(): Promise<void> {
        if (!this.#options.createContainer) return;
        await this.#call('create the container', () => this.#container.createIfNotExists());
    }

    async readManifest(): Promise<StoredManifest | undefined> {
        const blob = this.#container.getBlobClient(MANIFEST_NAME);
        try {
            const response = await blob.download();
            const text = await streamToText(response.readableStreamBody);
            if (response.etag === undefined) throw new Error('the download response has no ETag');
            return { manifest: parseManifest(text, `${this.location}/${MANIFEST_NAME}`), etag: response.etag };
        } catch (error) {
            const status = (error as { statusCode?: unknown }).statusCode;
            // No manifest (or, before the first run, no container): no export has completed.
            if (status === 404) return undefined;
            throw toStorageError(error, `read ${MANIFEST_NAME}`, this.location);
        }
    }

    async writeSnapshot(name: string, content: Readable, contentType: string): Promise<void> {
        await this.#call(`write ${name}`, () =>
            this.#container
                .getBlockBlobClient(name)
                .uploadStream(content, BLOCK_SIZE, BLOCKS_IN_FLIGHT, { blobHTTPHeaders: { blobContentType: contentType } }),
        );
    }

    async writeManifest(manifest: SnapshotManifest, expectedEtag: string | undefined): Promise<void> {
        const body = `${JSON.stringify(manifest, null, 2)}\n`;
        try {
            await this.#container.getBlockBlobClient(MANIFEST_NAME).upload(body, Buffer.byteLength(body), {
                conditions: expectedEtag === undefined ? { ifNoneMatch: '*' } : { ifMatch: expectedEtag },
                blobHTTPHeaders: { blobContentType: 'application/json', blobCacheControl: 'no-store' },
            });
        } catch (error) {
            const status = (error as { statusCode?: unknown }).statusCode;
            // 412: the ETag moved on; 409: a manifest appeared although none existed at the start.
            if (status === 412 || status === 409) throw new ExportConflictError(manifest.blobName);
            throw toStorageError(error, `write ${MANIFEST_NAME}`, this.location);
        }
    }

    async deleteSnapshot(name: string): Promise<void> {
        await this.#call(`delete ${name}`, () => this.#container.getBlobClient(name).deleteIfExists());
    }

    async *listSnapshots(): AsyncIterable<string> {
        try {
            for await (const item of this.#container.listBlobsFlat({ prefix: 'snapshots/' })) yield item.name;
        } catch (error) {
            throw toStorageError(error, 'list snapshots', this.location);
        }
    }

    async #call(action: string, operation: () => Promise<unknown>): Promise<void> {
        try {
            await operation();
        } catch (error) {
            throw toStorageError(error, action, this.location);
        }
    }
}

async function streamToText(body: NodeJS.ReadableStream | undefined): Promise<string> {
    if (body === undefined) return '';
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString('utf8');
}
