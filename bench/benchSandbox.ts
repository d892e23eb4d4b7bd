import { BlobServiceClient } from '@azure/storage-blob';
import { startSandbox, type Azurite, type Sandbox, type SandboxCredential } from '../sandbox/index.js';

/** Settings a bench child needs to reach a sandbox (and, when given, one Azurite container). */
export function childEnv(sandbox: Sandbox, azurite?: Azurite, container?: string): Record<string, string> {
    return {
        ...sandbox.settings,
        ...(azurite === undefined ? {} : { USERS_EXPORT_STORAGE: azurite.connectionString }),
        ...(container === undefined ? {} : { USERS_EXPORT_CONTAINER: container }),
    };
}

/** Runs `body` against a sandbox of `userCount` users whose settings are for `credential`, closed afterwards. */
export async function withSandbox<T>(
    userCount: number,
    body: (sandbox: Sandbox) => Promise<T>,
    credential: SandboxCredential = 'keyVaultSecret',
): Promise<T> {
    const sandbox = await startSandbox({ userCount, credential });
    try {
        return await body(sandbox);
    } finally {
        await sandbox.close();
    }
}

let containers = 0;

/** A fresh container name for one export; deleted afterwards so in-memory Azurite does not grow run after run. */
export async function withContainer<T>(azurite: Azurite, body: (container: string) => Promise<T>): Promise<T> {
    containers += 1;
    const name = `bench-${containers}`;
    try {
        return await body(name);
    } finally {
        await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(name).deleteIfExists();
    }
}

/** A Graph token taken with a bare client-credentials POST, for the baseline's fixed-token loop. */
export async function fetchGraphToken(sandbox: Sandbox): Promise<string> {
    const { AUTHORITY_HOST, GRAPH_ENDPOINT } = sandbox.settings;
    const response = await fetch(`${AUTHORITY_HOST ?? ''}/${sandbox.tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: sandbox.clientId,
            client_secret: sandbox.clientSecret,
            scope: `${GRAPH_ENDPOINT ?? ''}/.default`,
        }),
    });
    const body = (await response.json()) as { access_token?: unknown };
    if (typeof body.access_token !== 'string') throw new Error(`The token endpoint answered ${response.status}.`);
    return body.access_token;
}
