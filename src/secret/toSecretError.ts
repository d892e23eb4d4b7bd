import { SecretError } from '../errors/errorClasses.js';

/** What a Key Vault secret holds, so its errors name the right setting and command. */
export interface SecretPurpose {
    /** The setting that names the secret. */
    readonly nameSetting: 'GRAPH_CLIENT_SECRET_NAME' | 'GRAPH_CLIENT_CERTIFICATE_NAME';
    /** What it holds, in words. */
    readonly holds: string;
    /** The graph-app.sh command that writes a new version. */
    readonly rotateCommand: string;
}

export const CLIENT_SECRET_PURPOSE: SecretPurpose = {
    nameSetting: 'GRAPH_CLIENT_SECRET_NAME',
    holds: 'the client secret',
    rotateCommand: 'rotate-secret',
};

interface SecretContext {
    readonly vaultUrl: string;
    readonly secretName: string;
    readonly identityDescription: string;
    readonly purpose?: SecretPurpose;
}

/** Maps what the Key Vault SDK or the credential threw to an error that says what to do. */
export function toSecretError(error: unknown, context: SecretContext): SecretError {
    const { vaultUrl, secretName, identityDescription, purpose = CLIENT_SECRET_PURPOSE } = context;
    const rotate = `scripts/postprovision/graph-app.sh ${purpose.rotateCommand}`;
    if (typeof error === 'object' && error !== null && 'secretEmpty' in error) {
        return new SecretError('KeyVaultSecretNotFound', `Secret "${secretName}" in ${vaultUrl} has no value.`, {
            hint: `Write ${purpose.holds} to it (${rotate}).`,
        });
    }
    const e = error as {
        name?: unknown;
        statusCode?: unknown;
        code?: unknown;
        message?: unknown;
    };
    const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
    const code = typeof e.code === 'string' ? e.code : undefined;
    const message = typeof e.message === 'string' ? e.message : String(error);
    const name = typeof e.name === 'string' ? e.name : '';
    const requestId = readRequestId(error);
    const base = { cause: error, ...(requestId === undefined ? {} : { requestId }) };

    if (name === 'CredentialUnavailableError' || name === 'AuthenticationRequiredError' || name === 'AggregateAuthenticationError') {
        return new SecretError('KeyVaultCredentialUnavailable', `No credential could get a Key Vault token: ${message}`, {
            ...base,
            hint: 'In Azure, assign the user-assigned managed identity to the function app and set AZURE_CLIENT_ID to its client id; locally, run `az login`.',
        });
    }
    if (name === 'AuthenticationError') {
        return new SecretError('KeyVaultCredentialUnavailable', `The managed identity could not get a Key Vault token: ${message}`, {
            ...base,
            hint: 'Check that AZURE_CLIENT_ID names an identity assigned to this function app.',
        });
    }
    if (status === 404 || code === 'SecretNotFound') {
        return new SecretError('KeyVaultSecretNotFound', `Secret "${secretName}" was not found in ${vaultUrl}.`, {
            ...base,
            hint: `Run the post-provision script (it writes ${purpose.holds}), or set ${purpose.nameSetting} to the right name.`,
        });
    }
    const inner = innerErrorCode(error);
    if (status === 403 && (inner === 'SecretDisabled' || /disabled secret/i.test(message))) {
        return new SecretError('KeyVaultSecretDisabled', `Secret "${secretName}" in ${vaultUrl} is disabled.`, {
            ...base,
            hint: `Enable the current version of the secret, or write a new one with \`${rotate}\`.`,
        });
    }
    if (
        status === 403 &&
        (inner === 'ForbiddenByConnection' || inner === 'ForbiddenByFirewall' || /public network access/i.test(message))
    ) {
        return new SecretError('KeyVaultForbidden', `Key Vault ${vaultUrl} refused the connection from this network (403).`, {
            ...base,
            hint: 'The vault firewall blocks this app: allow its network (private endpoint or virtual network rule) or set keyVaultPublicNetworkAccess to Enabled.',
        });
    }
    if (status === 403) {
        return new SecretError('KeyVaultForbidden', `Key Vault ${vaultUrl} refused to read secret "${secretName}" (403).`, {
            ...base,
            hint: `Grant the "Key Vault Secrets User" role on the vault to ${identityDescription}, and check the vault's network rules.`,
        });
    }
    if (status === 401) {
        return new SecretError('KeyVaultUnauthorized', `Key Vault ${vaultUrl} rejected the token (401).`, {
            ...base,
            hint: 'The vault must be in the same tenant as the managed identity; check KEY_VAULT_URL.',
        });
    }
    return new SecretError(
        'KeyVaultUnavailable',
        `Reading secret "${secretName}" from ${vaultUrl} failed${status === undefined ? '' : ` (${status})`}: ${message}`,
        {
            ...base,
            hint: 'Key Vault or the network is unavailable; the request can be retried. Check KEY_VAULT_URL and the vault firewall.',
        },
    );
}

/** Key Vault's `error.innererror.code` (e.g. SecretDisabled, ForbiddenByRbac), as parsed by the SDK. */
function innerErrorCode(error: unknown): string | undefined {
    const details = (error as { details?: { error?: { innererror?: { code?: unknown } } } }).details;
    const code = details?.error?.innererror?.code;
    return typeof code === 'string' ? code : undefined;
}

function readRequestId(error: unknown): string | undefined {
    const response = (error as { response?: { headers?: { get?: (n: string) => string | undefined } } }).response;
    const id = response?.headers?.get?.('x-ms-request-id');
    return typeof id === 'string' ? id : undefined;
}
