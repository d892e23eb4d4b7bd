import { loadExportSettings, type ExportSettings } from '../config/ExportSettings.js';
import { loadExportStorageSettings } from '../config/ExportStorageSettings.js';
import type { Environment } from '../config/readSettings.js';
import { BlobSnapshotStore } from '../export/BlobSnapshotStore.js';
import { SnapshotLinkSigner } from '../export/SnapshotLinkSigner.js';
import type { SnapshotStore } from '../export/SnapshotStore.js';
import { createExportServiceClient } from './createExportServiceClient.js';

/** What the export needs besides the Graph pipeline: its settings and where snapshots go. */
export interface ExportRuntime {
    readonly settings: ExportSettings;
    readonly store: SnapshotStore;
    /**
     * Signs download links to snapshots (user delegation SAS): only with the managed identity, as a
     * connection string holds no Entra ID credential to ask for a delegation key with.
     */
    readonly links: SnapshotLinkSigner | undefined;
}

/** Builds the export's blob store from settings. Constructs clients only: no I/O. */
export function createExportRuntime(env: Environment): ExportRuntime {
    const settings = loadExportSettings(env);
    const storageSettings = loadExportStorageSettings(env);
    const service = createExportServiceClient(storageSettings);
    const identityBased = storageSettings.storage.kind === 'managed-identity';
    const store = new BlobSnapshotStore(service.getContainerClient(storageSettings.container), { createContainer: !identityBased });
    const links = identityBased ? new SnapshotLinkSigner({ service, container: storageSettings.container }) : undefined;
    return { settings, store, links };
}
