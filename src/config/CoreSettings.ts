import { ConfigurationError } from '../errors/errorClasses.js';
import { readSettings, type Environment } from './readSettings.js';

/** How the app proves its identity to Entra ID (`GRAPH_CREDENTIAL`). */
export type GraphCredentialKind = 'keyVaultSecret' | 'keyVaultCertificate' | 'managedIdentity';

/** Everything the credential → MSAL → Graph path needs, validated. */
export interface CoreSettings {
    readonly tenantId: string;
    readonly clientId: string;
    readonly credential: GraphCredentialKind;
    /** Set in the two Key Vault modes (required there); undefined with `managedIdentity`. */
    readonly keyVaultUrl: string | undefined;
    readonly secretName: string;
    readonly certificateName: string;
    readonly authorityHost: string;
    readonly graphEndpoint: string;
    /** User-assigned managed identity client id; undefined means system-assigned (Key Vault modes only). */
    readonly managedIdentityClientId: string | undefined;
    readonly disableChallengeResourceVerification: boolean;
    readonly secretCacheTtlSeconds: number;
}

/** The settings the credential → MSAL → Graph path reads (the export has its own). */
export const CORE_SETTING_NAMES = [
    'GRAPH_TENANT_ID',
    'GRAPH_CLIENT_ID',
    'GRAPH_CREDENTIAL',
    'KEY_VAULT_URL',
    'GRAPH_CLIENT_SECRET_NAME',
    'GRAPH_CLIENT_CERTIFICATE_NAME',
    'AUTHORITY_HOST',
    'GRAPH_ENDPOINT',
    'AZURE_CLIENT_ID',
    'KEY_VAULT_DISABLE_CHALLENGE_RESOURCE_VERIFICATION',
    'SECRET_CACHE_TTL_SECONDS',
] as const;

export function loadCoreSettings(env: Environment): CoreSettings {
    const problems: { name: string; problem: string }[] = [];
    let s: ReturnType<typeof readSettings<(typeof CORE_SETTING_NAMES)[number]>> | undefined;
    try {
        s = readSettings(env, CORE_SETTING_NAMES);
    } catch (error) {
        if (!(error instanceof ConfigurationError)) throw error;
        problems.push(...error.problems);
    }
    // Only the chosen mode's settings are required, so no mode needs a value it never reads; one error still names all.
    const raw = (name: string): string | undefined => {
        const value = env[name]?.trim();
        return value === '' ? undefined : value;
    };
    const credential = (raw('GRAPH_CREDENTIAL') ?? 'keyVaultSecret') as GraphCredentialKind;
    if ((credential === 'keyVaultSecret' || credential === 'keyVaultCertificate') && raw('KEY_VAULT_URL') === undefined) {
        problems.push({ name: 'KEY_VAULT_URL', problem: `is required when GRAPH_CREDENTIAL is ${credential}` });
    }
    if (credential === 'managedIdentity' && raw('AZURE_CLIENT_ID') === undefined) {
        problems.push({
            name: 'AZURE_CLIENT_ID',
            problem:
                'is required when GRAPH_CREDENTIAL is managedIdentity: set it to the client id of the user-assigned managed identity that the app registration trusts as a federated credential (a system-assigned identity cannot be a federated credential)',
        });
    }
    if (problems.length > 0 || s === undefined) {
        const order = (name: string): number => (CORE_SETTING_NAMES as readonly string[]).indexOf(name);
        throw new ConfigurationError(problems.sort((a, b) => order(a.name) - order(b.name)));
    }
    return {
        tenantId: s.GRAPH_TENANT_ID as string,
        clientId: s.GRAPH_CLIENT_ID as string,
        credential,
        keyVaultUrl: credential === 'managedIdentity' ? undefined : (s.KEY_VAULT_URL as string),
        secretName: s.GRAPH_CLIENT_SECRET_NAME as string,
        certificateName: s.GRAPH_CLIENT_CERTIFICATE_NAME as string,
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
