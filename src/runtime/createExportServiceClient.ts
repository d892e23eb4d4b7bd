import { ManagedIdentityCredential } from '@azure/identity';
import { BlobServiceClient, type StoragePipelineOptions } from '@azure/storage-blob';
import type { ExportStorageSettings } from '../config/ExportStorageSettings.js';
import { ConfigurationError } from '../errors/errorClasses.js';

/**
 * The blob service of the export storage: a connection string (Azurite, local runs) or the endpoint
 * with the managed identity, which can also sign user delegation SAS links. No I/O.
 */
export function createExportServiceClient(settings: ExportStorageSettings, options: StoragePipelineOptions = {}): BlobServiceClient {
    const { storage } = settings;
    return storage.kind === 'connection-string'
        ? fromConnectionString(storage.connectionString, options)
        : new BlobServiceClient(
              storage.blobServiceUri,
              new ManagedIdentityCredential(storage.clientId === undefined ? {} : { clientId: storage.clientId }),
              options,
          );
}

function fromConnectionString(connectionString: string, options: StoragePipelineOptions): BlobServiceClient {
    try {
        return BlobServiceClient.fromConnectionString(connectionString, options);
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
