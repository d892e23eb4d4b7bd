import type { Readable } from 'node:stream';
import type { ContainerClient } from '@azure/storage-blob';
import { DocumentStore } from './DocumentStore.js';
import type { StoredText, WriteConflict } from './SnapshotStore.js';
import { toStorageError } from './toStorageError.js';

/** Blocks staged per request and held in memory at once: memory stays near BLOCK_SIZE × BLOCKS_IN_FLIGHT. */
const BLOCK_SIZE = 4 * 1024 * 1024;
const BLOCKS_IN_FLIGHT = 2;
/** A snapshot download that breaks off resumes from where it stopped (the SDK re-requests the rest). */
const DOWNLOAD_RETRIES = 5;

export interface BlobSnapshotStoreOptions {
    /** Create the container when missing: only for connection strings (Azurite); in Azure, Bicep creates it. */
    readonly createContainer: boolean;
}

/**
 * Snapshots as block blobs: `uploadStream` stages blocks and commits the block list only at the
 * end, so a failed run leaves nothing visible. `latest.json` and `delta-state.json` are replaced
 * with an ETag condition.
 */
export class BlobSnapshotStore extends DocumentStore {
    readonly location: string;
    readonly #container: ContainerClient;
    readonly #options: BlobSnapshotStoreOptions;

    constructor(container: ContainerClient, options: BlobSnapshotStoreOptions) {
        super();
        this.#container = container;
        this.#options = options;
        this.location = container.url;
    }

    async prepare(): Promise<void> {
        if (!this.#options.createContainer) return;
        await this.#call('create the container', () => this.#container.createIfNotExists());
    }

    async writeSnapshot(name: string, content: Readable, contentType: string): Promise<void> {
        await this.#call(`write ${name}`, () =>
            this.#container
                .getBlockBlobClient(name)
                .uploadStream(content, BLOCK_SIZE, BLOCKS_IN_FLIGHT, { blobHTTPHeaders: { blobContentType: contentType } }),
        );
    }

    async readSnapshot(name: string): Promise<Readable | undefined> {
        try {
            const response = await this.#container.getBlobClient(name).download(0, undefined, { maxRetryRequests: DOWNLOAD_RETRIES });
            return response.readableStreamBody as Readable | undefined;
        } catch (error) {
            if ((error as { statusCode?: unknown }).statusCode === 404) return undefined;
            throw toStorageError(error, `read ${name}`, this.location);
        }
    }

    async deleteSnapshot(name: string): Promise<void> {
        await this.#call(`delete ${name}`, () => this.#container.getBlobClient(name).deleteIfExists());
    }

    listSnapshots(): AsyncIterable<string> {
        return this.#list('snapshots/');
    }

    listChanges(): AsyncIterable<string> {
        return this.#list('changes/');
    }

    async *#list(prefix: string): AsyncIterable<string> {
        try {
            for await (const item of this.#container.listBlobsFlat({ prefix })) yield item.name;
        } catch (error) {
            throw toStorageError(error, `list ${prefix}`, this.location);
        }
    }

    protected async readDocument(name: string): Promise<StoredText | undefined> {
        const blob = this.#container.getBlobClient(name);
        try {
            const response = await blob.download();
            const text = await streamToText(response.readableStreamBody);
            if (response.etag === undefined) throw new Error('the download response has no ETag');
            return { text, etag: response.etag };
        } catch (error) {
            const status = (error as { statusCode?: unknown }).statusCode;
            // No such blob (or, before the first run, no container): nothing was written yet.
            if (status === 404) return undefined;
            throw toStorageError(error, `read ${name}`, this.location);
        }
    }

    /** Replaces `name` if it is still at `expectedEtag` (undefined: only if absent); the conflict when another writer got there first. */
    protected async writeDocument(name: string, body: string, expectedEtag: string | undefined): Promise<WriteConflict | undefined> {
        try {
            await this.#container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), {
                conditions: expectedEtag === undefined ? { ifNoneMatch: '*' } : { ifMatch: expectedEtag },
                blobHTTPHeaders: { blobContentType: 'application/json', blobCacheControl: 'no-store' },
            });
            return undefined;
        } catch (error) {
            const status = (error as { statusCode?: unknown }).statusCode;
            // 412: the ETag moved on; 409: the blob appeared although none existed at the start.
            if (status === 412 || status === 409) return { detail: `another export replaced ${name} while this one ran` };
            throw toStorageError(error, `write ${name}`, this.location);
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
