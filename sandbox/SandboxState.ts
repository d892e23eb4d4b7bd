import type { CallerTokens } from './CallerTokens.js';
import type { ClientSecrets } from './ClientSecrets.js';
import type { SandboxCounters } from './SandboxCounters.js';
import type { SandboxFaults } from './SandboxFaults.js';
import type { TokenIssuer } from './TokenIssuer.js';
import type { VaultStore } from './VaultStore.js';

export const KEY_VAULT_RESOURCE = 'https://vault.azure.net';
/** Azure Storage's resource: identity-based export storage and user delegation keys (Azurite with OAuth). */
export const STORAGE_RESOURCE = 'https://storage.azure.com';

export interface SandboxOrigins {
    entra: string;
    identity: string;
    keyVault: string;
    graph: string;
}

/** What the stand-ins share: identities, switches and stores. Origins are filled in once all listen. */
export interface SandboxState {
    readonly tenantId: string;
    readonly tenantDomain: string;
    readonly clientId: string;
    /** Object id of the app's service principal (the `oid` in Graph tokens). */
    readonly servicePrincipalId: string;
    readonly managedIdentityClientId: string;
    readonly managedIdentityObjectId: string;
    readonly identityHeader: string;
    readonly userCount: number;
    readonly seed: number;
    readonly graphTokenLifetimeSeconds: number;
    /** The `exp` of Graph tokens, in seconds after issue (see SandboxOptions.graphTokenEarlyExpirySeconds). */
    readonly graphTokenJwtLifetimeSeconds: number;
    readonly origins: SandboxOrigins;
    appRoles: readonly string[];
    keyVaultAccess: boolean;
    readonly clientSecrets: ClientSecrets;
    readonly vault: VaultStore;
    readonly issuer: TokenIssuer;
    /** Access tokens for callers of the function's own API (published in the same JWKS). */
    readonly callerTokens: CallerTokens;
    readonly counters: SandboxCounters;
    readonly faults: SandboxFaults;
}
