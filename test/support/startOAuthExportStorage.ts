import { BlobServiceClient } from '@azure/storage-blob';
import { issueServerCertificate, loadSandboxCa, startAzurite, type Azurite } from '../../sandbox/index.js';
import { hygiene } from './hygieneGuard.js';

/** Azurite over HTTPS with OAuth, and what points the export at it with the managed identity, as in Azure. */
export interface OAuthExportStorage {
    readonly azurite: Azurite;
    /** A new container, and the settings that reach it with the managed identity (Bicep creates it in Azure). */
    newContainer(): Promise<{ readonly name: string; readonly env: Readonly<Record<string, string>> }>;
    close(): Promise<void>;
}

/**
 * Export storage that takes Entra ID tokens (from the sandbox's identity endpoint) and user delegation
 * SAS, which Azurite supports only over HTTPS with `--oauth basic`. Needs the test runner's CA.
 */
export async function startOAuthExportStorage(): Promise<OAuthExportStorage> {
    const caDir = process.env.SANDBOX_CA_DIR;
    if (caDir === undefined) throw new Error('Run through scripts/runTests.js: it creates the sandbox CA.');
    const azurite = await startAzurite({ oauth: await issueServerCertificate(await loadSandboxCa(caDir)) });
    // The account's endpoint names the account: internal to callers, as the vault URL is.
    hygiene.registerInternal(() => [azurite.blobEndpoint]);
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    let containers = 0;
    return {
        azurite,
        async newContainer() {
            containers += 1;
            const name = `oauth-export-${containers}`;
            await service.getContainerClient(name).create();
            return {
                name,
                env: {
                    USERS_EXPORT_STORAGE__blobServiceUri: azurite.blobEndpoint,
                    USERS_EXPORT_STORAGE__credential: 'managedidentity',
                    USERS_EXPORT_CONTAINER: name,
                },
            };
        },
        close: () => azurite.close(),
    };
}
