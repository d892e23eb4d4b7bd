import { ManagedIdentityCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { loadExportSettings, type ExportSettings } from '../config/ExportSettings.js';
import { loadExportStorageSettings } from '../config/ExportStorageSettings.js';
import type { Environment } from '../config/readSettings.js';
import { ConfigurationError } from '../errors/errorClasses.js';
import { BlobSnapshotStore } from '../export/BlobSnapshotStore.js';
import type { SnapshotStore } from '../export/SnapshotStore.js';

/** What the export needs besides the Graph pipeline: its settings and where snapshots go. */
export interface ExportRuntime {
    readonly settings: ExportSettings;
    readonly store: SnapshotStore;
}

/** Builds the export's blob store from settings. Constructs clients only: no I/O. */
export function createExportRuntime(env: Environment): ExportRuntime {
    const settings = loadExportSettings(env);
    const { storage, container } = loadExportStorageSettings(env);
    const service =
        storage.kind === 'connection-string'
            ? fromConnectionString(storage.connectionString)
            : new BlobServiceClient(
                  storage.blobServiceUri,
                  new ManagedIdentityCredential(storage.clientId === undefined ? {} : { clientId: storage.clientId }),
              );
    const store = new BlobSnapshotStore(service.getContainerClient(container), {
        createContainer: storage.kind === 'connection-string',
    });
    return { settings, store };
}

function fromConnectionString(connectionString: string): BlobServiceClient {
    try {
        return BlobServiceClient.fromConnectionString(connectionString);
    } catch {
        // The SDK's message may quote the string, account key included: name the setting only.
        throw new ConfigurationError([
            {
                name: 'USERS_EXPORT_STORAGE',
                problem:
                    'is not a valid storage connection string (e.g. "UseDevelopmentStorage=true" or "DefaultEndpointsProtocol=...;AccountName=...;AccountKey=...")',
            },
        ]);
    }
}
