import { text } from 'node:stream/consumers';
import type { ContainerClient } from '@azure/storage-blob';
import type { AppError, AppErrorOptions } from '../errors/AppError.js';
import { PageTokenKeysError } from '../errors/errorClasses.js';
import { toStorageError } from '../export/toStorageError.js';
import type { KeyRingStore, StoredKeyRing } from './KeyRingStore.js';

export interface BlobKeyRingStoreOptions {
    /** Resolves the container client on first use, so the storage SDK loads only when a key is needed. */
    readonly container: () => Promise<ContainerClient>;
    readonly blobName: string;
    /** Where the ring lives, for messages, e.g. `keys/page-tokens.json in container "users-export"`. */
    readonly location: string;
    /** Create the container when missing: only for connection strings (Azurite); in Azure, Bicep creates it. */
    readonly createContainer: boolean;
}

const keysUnavailable = (message: string, options: AppErrorOptions): PageTokenKeysError =>
    new PageTokenKeysError(`${message} Page tokens cannot be issued or checked without this key ring.`, {
        ...options,
        hint:
            options.hint ??
            'Retry later; check that the export storage (USERS_EXPORT_STORAGE or USERS_EXPORT_STORAGE__blobServiceUri, container USERS_EXPORT_CONTAINER) is reachable.',
    });

/** The key ring as one JSON blob in the export container, written with ETag conditions. */
export class BlobKeyRingStore implements KeyRingStore {
    readonly location: string;
    readonly #options: BlobKeyRingStoreOptions;
    #container: Promise<ContainerClient> | undefined;

    constructor(options: BlobKeyRingStoreOptions) {
        this.#options = options;
        this.location = options.location;
    }

    async read(): Promise<StoredKeyRing | undefined> {
        const container = await this.#getContainer();
        try {
            const response = await container.getBlobClient(this.#options.blobName).download();
            if (response.etag === undefined || response.readableStreamBody === undefined)
                throw new Error('the download has no ETag or body');
            return { text: await text(response.readableStreamBody), etag: response.etag };
        } catch (error) {
            // No blob (or, on Azurite before any write, no container): no ring yet.
            if (statusOf(error) === 404) return undefined;
            throw this.#error(error, 'read', container);
        }
    }

    async create(body: string): Promise<string | undefined> {
        const container = await this.#getContainer();
        try {
            return await this.#upload(container, body, { ifNoneMatch: '*' });
        } catch (error) {
            // 409 BlobAlreadyExists / 412: another instance created it first.
            if (statusOf(error) === 409 || statusOf(error) === 412) return undefined;
            if (codeOf(error) !== 'ContainerNotFound' || !this.#options.createContainer) throw this.#error(error, 'create', container);
        }
        try {
            await container.createIfNotExists();
            return await this.#upload(container, body, { ifNoneMatch: '*' });
        } catch (error) {
            if (statusOf(error) === 409 || statusOf(error) === 412) return undefined;
            throw this.#error(error, 'create', container);
        }
    }

    async replace(body: string, etag: string): Promise<string | undefined> {
        const container = await this.#getContainer();
        try {
            return await this.#upload(container, body, { ifMatch: etag });
        } catch (error) {
            // 412: another instance replaced it first; 404: it was deleted meanwhile. Either way: re-read.
            if (statusOf(error) === 412 || statusOf(error) === 404) return undefined;
            throw this.#error(error, 'update', container);
        }
    }

    async #upload(container: ContainerClient, body: string, conditions: { ifNoneMatch: string } | { ifMatch: string }): Promise<string> {
        const response = await container.getBlockBlobClient(this.#options.blobName).upload(body, Buffer.byteLength(body), {
            conditions,
            blobHTTPHeaders: { blobContentType: 'application/json', blobCacheControl: 'no-store' },
        });
        if (response.etag === undefined) throw new Error('the upload response has no ETag');
        return response.etag;
    }

    #getContainer(): Promise<ContainerClient> {
        // A failed construction (a configuration error) is not cached: fixing the setting needs no restart.
        this.#container ??= this.#options.container().catch((error: unknown) => {
            this.#container = undefined;
            throw error;
        });
        return this.#container;
    }

    #error(error: unknown, verb: string, container: ContainerClient): AppError {
        return toStorageError(error, `${verb} ${this.#options.blobName}`, container.url, keysUnavailable);
    }
}

function statusOf(error: unknown): unknown {
    return (error as { statusCode?: unknown } | undefined)?.statusCode;
}

function codeOf(error: unknown): unknown {
    return (error as { code?: unknown } | undefined)?.code;
}
