import type { CallerAuthorizer } from '../../callerAuth/CallerAuthorizer.js';
import { readLatestManifest } from '../../export/readLatestManifest.js';
import type { SnapshotStore } from '../../export/SnapshotStore.js';
import { handleExportRequest, type ExportHttpHandler } from './handleExportRequest.js';

/** `GET /api/users/export/latest`: the manifest of the newest complete snapshot. */
export function createExportLatestHttpHandler(
    getStore: () => SnapshotStore | Promise<SnapshotStore>,
    getAuthorizer: () => CallerAuthorizer | Promise<CallerAuthorizer>,
): ExportHttpHandler {
    return handleExportRequest(getAuthorizer, async () => {
        const stored = await readLatestManifest(await getStore());
        return { response: { status: 200, jsonBody: stored.manifest, headers: { 'Cache-Control': 'no-store', ETag: stored.etag } } };
    });
}
