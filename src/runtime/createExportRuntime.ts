import { loadExportSettings, type ExportSettings } from '../config/ExportSettings.js';
import { loadExportStorageSettings } from '../config/ExportStorageSettings.js';
import type { Environment } from '../config/readSettings.js';
import { BlobSnapshotStore } from '../export/BlobSnapshotStore.js';
import type { SnapshotStore } from '../export/SnapshotStore.js';
import { createExportContainerClient } from './createExportContainerClient.js';

/** What the export needs besides the Graph pipeline: its settings and where snapshots go. */
export interface ExportRuntime {
    readonly settings: ExportSettings;
    readonly store: SnapshotStore;
}

/** Builds the export's blob store from settings. Constructs clients only: no I/O. */
export function createExportRuntime(env: Environment): ExportRuntime {
    const settings = loadExportSettings(env);
    const storageSettings = loadExportStorageSettings(env);
    const store = new BlobSnapshotStore(createExportContainerClient(storageSettings), {
        createContainer: storageSettings.storage.kind === 'connection-string',
    });
    return { settings, store };
}
