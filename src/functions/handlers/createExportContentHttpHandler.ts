import type { CallerAuthorizer } from '../../callerAuth/CallerAuthorizer.js';
import { SnapshotLinkError } from '../../errors/errorClasses.js';
import { readLatestManifest } from '../../export/readLatestManifest.js';
import type { ExportRuntime } from '../../runtime/createExportRuntime.js';
import { handleExportRequest, type ExportHttpHandler } from './handleExportRequest.js';

/**
 * `GET /api/users/export/latest/content`: a 307 to a short-lived, read-only user delegation SAS URL
 * of exactly the snapshot `latest.json` names, so the caller downloads it from Storage directly and
 * the function never proxies a large body. The Location header is a credential: it is never logged.
 */
export function createExportContentHttpHandler(
    getExportRuntime: () => ExportRuntime | Promise<ExportRuntime>,
    getAuthorizer: () => CallerAuthorizer | Promise<CallerAuthorizer>,
): ExportHttpHandler {
    return handleExportRequest(getAuthorizer, async () => {
        const { store, links } = await getExportRuntime();
        if (links === undefined) {
            throw new SnapshotLinkError(
                'The export storage is set by a connection string (USERS_EXPORT_STORAGE), which cannot sign a user delegation SAS: that needs an Entra ID credential.',
                {
                    hint: 'Reach the export storage with the managed identity (USERS_EXPORT_STORAGE__blobServiceUri, __credential, __clientId; the Bicep does). Locally, `npm run sandbox` runs an Azurite that accepts it.',
                },
            );
        }
        const { manifest } = await readLatestManifest(store);
        const link = await links.linkFor(manifest.blobName, manifest.blobName.slice(manifest.blobName.lastIndexOf('/') + 1));
        const { runId, blobName, userCount, bytes, sha256 } = manifest;
        return {
            response: {
                status: 307,
                headers: { Location: link.url, 'Cache-Control': 'no-store' },
            },
            snapshot: { runId, blobName, userCount, bytes, sha256 },
        };
    });
}
