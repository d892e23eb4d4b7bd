import type { AppCertificates } from './AppCertificates.js';
import type { CallerTokens } from './CallerTokens.js';
import type { ClientSecrets } from './ClientSecrets.js';
import type { FederatedCredentials } from './FederatedCredentials.js';
import type { SandboxCounters } from './SandboxCounters.js';
import type { SandboxDelta } from './SandboxDelta.js';
import type { SandboxDirectory } from './SandboxDirectory.js';
import type { SandboxFaults } from './SandboxFaults.js';
import type { TokenIssuer } from './TokenIssuer.js';
import type { VaultStore } from './VaultStore.js';

export const KEY_VAULT_RESOURCE = 'https://vault.azure.net';
/** Azure Storage's resource: identity-based export storage and user delegation keys (Azurite with OAuth). */
export const STORAGE_RESOURCE = 'https://storage.azure.com';
/** The audience of managed identity tokens used as federated credentials (global cloud). */
export const FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';

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
    /** The function app's system-assigned identity (the default when no client_id is asked for). */
    readonly managedIdentityClientId: string;
    readonly managedIdentityObjectId: string;
    /** A user-assigned identity, new per sandbox: the one the app's federated credential names. */
    readonly userAssignedClientId: string;
    readonly userAssignedObjectId: string;
    /** Lifetime of managed identity tokens (the App Service endpoint gives 24 h). */
    readonly identityTokenLifetimeSeconds: number;
    readonly identityHeader: string;
    /** The directory's size at start; `directory` has the users as they are now. */
    readonly userCount: number;
    readonly seed: number;
    readonly directory: SandboxDirectory;
    readonly delta: SandboxDelta;
    readonly graphTokenLifetimeSeconds: number;
    /** The `exp` of Graph tokens, in seconds after issue (see SandboxOptions.graphTokenEarlyExpirySeconds). */
    readonly graphTokenJwtLifetimeSeconds: number;
    readonly origins: SandboxOrigins;
    appRoles: readonly string[];
    keyVaultAccess: boolean;
    readonly clientSecrets: ClientSecrets;
    readonly appCertificates: AppCertificates;
    readonly federatedCredentials: FederatedCredentials;
    /** jti → exp of client assertions seen, to count reuse. */
    readonly assertionIds: Map<string, number>;
    /** Private keys, certificate secrets and assertions: the hygiene guard must never see them in output. */
    readonly sensitive: string[];
    readonly vault: VaultStore;
    readonly issuer: TokenIssuer;
    /** Access tokens for callers of the function's own API (published in the same JWKS). */
    readonly callerTokens: CallerTokens;
    readonly counters: SandboxCounters;
    readonly faults: SandboxFaults;
}
