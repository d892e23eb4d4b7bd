import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadExportSettings } from '../../src/config/ExportSettings.js';
import { loadExportStorageSettings, loadOptionalExportStorageSettings } from '../../src/config/ExportStorageSettings.js';
import { ConfigurationError } from '../../src/errors/errorClasses.js';
import { newRunId, snapshotDay, snapshotName } from '../../src/export/snapshotName.js';
import { createExportRuntime } from '../../src/runtime/createExportRuntime.js';

function rejectsNaming(load: () => unknown, ...names: string[]): void {
    assert.throws(
        load,
        (e: unknown) => e instanceof ConfigurationError && names.every((n) => e.settings.includes(n) && e.message.includes(n)),
    );
}

describe('export settings', () => {
    it('defaults: the documented select set, no gzip, 30 days, container users-export', () => {
        const settings = loadExportSettings({});
        assert.equal(settings.gzip, false);
        assert.equal(settings.retentionDays, 30);
        assert.equal(settings.select[0], 'id');
        assert.ok(settings.select.includes('userPrincipalName'));
        assert.equal(loadExportStorageSettings({ USERS_EXPORT_STORAGE: 'UseDevelopmentStorage=true' }).container, 'users-export');
    });

    it('names bad values', () => {
        rejectsNaming(() => loadExportSettings({ USERS_EXPORT_SELECT: 'id,passwordProfile' }), 'USERS_EXPORT_SELECT');
        rejectsNaming(
            () => loadExportSettings({ USERS_EXPORT_GZIP: 'yes', USERS_EXPORT_RETENTION_DAYS: '0' }),
            'USERS_EXPORT_GZIP',
            'USERS_EXPORT_RETENTION_DAYS',
        );
        rejectsNaming(
            () => loadExportStorageSettings({ USERS_EXPORT_STORAGE: 'UseDevelopmentStorage=true', USERS_EXPORT_CONTAINER: 'Users_Export' }),
            'USERS_EXPORT_CONTAINER',
        );
    });

    it('without any storage setting, names both ways to configure it', () => {
        rejectsNaming(() => loadExportStorageSettings({}), 'USERS_EXPORT_STORAGE', 'USERS_EXPORT_STORAGE__blobServiceUri');
    });

    it('optional (for page-token keys): undefined only when neither connection setting is set', () => {
        assert.equal(loadOptionalExportStorageSettings({ USERS_EXPORT_STORAGE: ' ', USERS_EXPORT_CONTAINER: 'x-y-z' }), undefined);
        assert.equal(loadOptionalExportStorageSettings({ USERS_EXPORT_STORAGE: 'UseDevelopmentStorage=true' })?.container, 'users-export');
        rejectsNaming(
            () => loadOptionalExportStorageSettings({ USERS_EXPORT_STORAGE__blobServiceUri: 'http://st1.blob.core.windows.net' }),
            'USERS_EXPORT_STORAGE__blobServiceUri',
        );
        rejectsNaming(
            () => loadOptionalExportStorageSettings({ USERS_EXPORT_STORAGE: 'UseDevelopmentStorage=true', USERS_EXPORT_CONTAINER: 'A' }),
            'USERS_EXPORT_CONTAINER',
        );
    });

    it('identity-based: blob endpoint with the managed identity and its client id', () => {
        const { storage } = loadExportStorageSettings({
            USERS_EXPORT_STORAGE__blobServiceUri: 'https://st1.blob.core.windows.net/',
            USERS_EXPORT_STORAGE__credential: 'managedidentity',
            USERS_EXPORT_STORAGE__clientId: 'mi-client-1',
        });
        assert.deepEqual(storage, {
            kind: 'managed-identity',
            blobServiceUri: 'https://st1.blob.core.windows.net',
            clientId: 'mi-client-1',
        });
        rejectsNaming(
            () =>
                loadExportStorageSettings({
                    USERS_EXPORT_STORAGE__blobServiceUri: 'https://st1.blob.core.windows.net',
                    USERS_EXPORT_STORAGE__credential: 'connectionstring',
                }),
            'USERS_EXPORT_STORAGE__credential',
        );
        rejectsNaming(
            () => loadExportStorageSettings({ USERS_EXPORT_STORAGE__blobServiceUri: 'http://st1.blob.core.windows.net' }),
            'USERS_EXPORT_STORAGE__blobServiceUri',
        );
    });

    it('a connection string wins over the identity settings; a malformed one is named, never echoed', () => {
        const { storage } = loadExportStorageSettings({
            USERS_EXPORT_STORAGE: 'UseDevelopmentStorage=true',
            USERS_EXPORT_STORAGE__blobServiceUri: 'https://st1.blob.core.windows.net',
        });
        assert.equal(storage.kind, 'connection-string');
        assert.throws(
            () => createExportRuntime({ USERS_EXPORT_STORAGE: 'AccountName=x;AccountKey=c2VjcmV0LWtleQ==' }),
            (e: unknown) =>
                e instanceof ConfigurationError && e.settings.includes('USERS_EXPORT_STORAGE') && !e.message.includes('c2VjcmV0LWtleQ'),
        );
    });

    it('builds the container URL without I/O', () => {
        const runtime = createExportRuntime({
            USERS_EXPORT_STORAGE__blobServiceUri: 'https://st1.blob.core.windows.net',
            USERS_EXPORT_CONTAINER: 'snap',
        });
        assert.equal(runtime.store.location, 'https://st1.blob.core.windows.net/snap');
    });
});

describe('snapshot names', () => {
    it('are dated by the UTC start day and carry the run id', () => {
        const started = new Date('2025-03-14T23:59:58.123Z');
        const runId = newRunId(started);
        assert.match(runId, /^20250314T235958Z-[0-9a-f]{8}$/);
        assert.equal(snapshotName(started, runId, false), `snapshots/2025/03/14/${runId}.ndjson`);
        assert.equal(snapshotName(started, runId, true), `snapshots/2025/03/14/${runId}.ndjson.gz`);
        assert.equal(snapshotDay(snapshotName(started, runId, true))?.toISOString(), '2025-03-14T00:00:00.000Z');
        for (const foreign of ['snapshots/2025/03/14/x.csv', 'latest.json', 'snapshots/2025/13/40/x.ndjson', 'other/2025/03/14/x.ndjson']) {
            assert.equal(snapshotDay(foreign), undefined, foreign);
        }
    });
});
