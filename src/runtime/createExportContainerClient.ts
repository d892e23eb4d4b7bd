import type { ContainerClient, StoragePipelineOptions } from '@azure/storage-blob';
import type { ExportStorageSettings } from '../config/ExportStorageSettings.js';
import { createExportServiceClient } from './createExportServiceClient.js';

/**
 * The client of the export container, for the export and the page-token key ring alike: a
 * connection string (Azurite, local runs) or the endpoint with the managed identity. No I/O.
 */
export function createExportContainerClient(settings: ExportStorageSettings, options: StoragePipelineOptions = {}): ContainerClient {
    return createExportServiceClient(settings, options).getContainerClient(settings.container);
}
