import { readSettings, type Environment } from './readSettings.js';

/** Everything the Key Vault → MSAL → Graph path needs, validated. */
export interface CoreSettings {
    readonly tenantId: string;
    readonly clientId: string;
    readonly keyVaultUrl: string;
    readonly secretName: string;
    readonly authorityHost: string;
    readonly graphEndpoint: string;
    /** User-assigned managed identity client id; undefined means system-assigned. */
    readonly managedIdentityClientId: string | undefined;
    readonly disableChallengeResourceVerification: boolean;
    readonly secretCacheTtlSeconds: number;
}

/** The settings the Key Vault → MSAL → Graph path reads (the export has its own). */
export const CORE_SETTING_NAMES = [
    'GRAPH_TENANT_ID',
    'GRAPH_CLIENT_ID',
    'KEY_VAULT_URL',
    'GRAPH_CLIENT_SECRET_NAME',
    'AUTHORITY_HOST',
    'GRAPH_ENDPOINT',
    'AZURE_CLIENT_ID',
    'KEY_VAULT_DISABLE_CHALLENGE_RESOURCE_VERIFICATION',
    'SECRET_CACHE_TTL_SECONDS',
] as const;

export function loadCoreSettings(env: Environment): CoreSettings {
    const s = readSettings(env, CORE_SETTING_NAMES);
    return {
        tenantId: s.GRAPH_TENANT_ID as string,
        clientId: s.GRAPH_CLIENT_ID as string,
        keyVaultUrl: s.KEY_VAULT_URL as string,
        secretName: s.GRAPH_CLIENT_SECRET_NAME as string,
        authorityHost: s.AUTHORITY_HOST as string,
        graphEndpoint: stripApiVersion(s.GRAPH_ENDPOINT as string),
        managedIdentityClientId: s.AZURE_CLIENT_ID as string | undefined,
        disableChallengeResourceVerification: s.KEY_VAULT_DISABLE_CHALLENGE_RESOURCE_VERIFICATION as boolean,
        secretCacheTtlSeconds: s.SECRET_CACHE_TTL_SECONDS as number,
    };
}

/** People paste `https://graph.microsoft.com/v1.0`; the app adds the version itself. */
function stripApiVersion(endpoint: string): string {
    return endpoint.replace(/\/(v1\.0|beta)$/i, '');
}
