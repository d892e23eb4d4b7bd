import { loadOptionalExportStorageSettings } from '../config/ExportStorageSettings.js';
import type { Environment } from '../config/readSettings.js';
import { BlobKeyRingStore } from '../keyRing/BlobKeyRingStore.js';
import { KeyRing } from '../keyRing/KeyRing.js';
import { MemoryKeyRingStore } from '../keyRing/MemoryKeyRingStore.js';
import type { Logger } from '../logging/Logger.js';
import { PAGE_TOKEN_LIFETIME_MS } from '../users/PageTokenCodec.js';

/** The page-token key ring's blob in the export container; retention only ever touches `snapshots/`. */
export const PAGE_TOKEN_KEY_RING_BLOB = 'keys/page-tokens.json';

/**
 * Storage calls made while a caller waits: fail within seconds, not the SDK's minutes
 * (defaults: 4 tries, 4 s base delay, 120 s cap).
 */
const KEY_RING_RETRY = { maxTries: 3, retryDelayInMs: 250, maxRetryDelayInMs: 2_000, tryTimeoutInMs: 10_000 } as const;

/**
 * The page-token key ring: in the export container when export storage is configured (always in
 * Azure: Bicep sets it and grants the identity the data role there), so every instance shares it
 * independently of the Graph credential; otherwise in this process's memory, with one warning.
 * Constructs only: the storage SDK loads on the first key use.
 */
export function createPageTokenKeyRing(env: Environment, logger: Logger | undefined): KeyRing {
    const storage = loadOptionalExportStorageSettings(env);
    if (storage === undefined) {
        logger?.warn(
            'No export storage is configured (USERS_EXPORT_STORAGE or USERS_EXPORT_STORAGE__blobServiceUri), so page-token keys live in this process only: a nextPageToken works only on this instance and until it restarts. Configure the export storage to share them.',
        );
        return createProcessKeyRing(logger);
    }
    const store = new BlobKeyRingStore({
        container: async () => {
            const { createExportContainerClient } = await import('./createExportContainerClient.js');
            return createExportContainerClient(storage, { retryOptions: KEY_RING_RETRY });
        },
        blobName: PAGE_TOKEN_KEY_RING_BLOB,
        location: `${PAGE_TOKEN_KEY_RING_BLOB} in the export container "${storage.container}"`,
        createContainer: storage.storage.kind === 'connection-string',
    });
    return new KeyRing({ store, protectedLifetimeMs: PAGE_TOKEN_LIFETIME_MS, ...(logger === undefined ? {} : { logger }) });
}

/** A page-token key ring in this process's memory: tokens work only on this instance, until it restarts. */
export function createProcessKeyRing(logger?: Logger): KeyRing {
    return new KeyRing({
        store: new MemoryKeyRingStore(),
        protectedLifetimeMs: PAGE_TOKEN_LIFETIME_MS,
        ...(logger === undefined ? {} : { logger }),
    });
}
