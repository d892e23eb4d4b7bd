import type { ClientSecrets } from './ClientSecrets.js';
import type { SandboxCounters } from './SandboxCounters.js';
import type { SandboxDelta } from './SandboxDelta.js';
import type { SandboxDirectory } from './SandboxDirectory.js';
import type { SandboxFaults } from './SandboxFaults.js';
import type { TokenIssuer } from './TokenIssuer.js';
import type { VaultStore } from './VaultStore.js';

export const KEY_VAULT_RESOURCE = 'https://vault.azure.net';

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
    readonly vault: VaultStore;
    readonly issuer: TokenIssuer;
    readonly counters: SandboxCounters;
    readonly faults: SandboxFaults;
}
