import { CallerTokens } from './CallerTokens.js';
import { ClientSecrets } from './ClientSecrets.js';
import { createEntraHandler } from './entraHandler.js';
import { createGraphHandler } from './graphHandler.js';
import { createKeyVaultHandler } from './keyVaultHandler.js';
import type { RecordedRequest } from './RecordedRequest.js';
import { createSandboxCa, issueServerCertificate, loadSandboxCa } from './SandboxCa.js';
import type { SandboxCa } from './SandboxCa.js';
import { SandboxCounters } from './SandboxCounters.js';
import { SandboxFaults } from './SandboxFaults.js';
import type { SandboxOrigins, SandboxState } from './SandboxState.js';
import { sandboxUserAt } from './SandboxUser.js';
import { sharedIdentityEndpoint } from './sharedIdentityEndpoint.js';
import type { SandboxUser } from './SandboxUser.js';
import { startServiceServer } from './ServiceServer.js';
import type { ServiceServer } from './ServiceServer.js';
import { TokenIssuer } from './TokenIssuer.js';
import { VaultStore } from './VaultStore.js';

export interface SandboxOptions {
    /** Directory size; default 250. Users are computed on demand, so millions are fine. */
    userCount?: number;
    /** Default 42; the directory is a deterministic function of (seed, index). */
    seed?: number;
    tenantId?: string;
    clientId?: string;
    /** Key Vault secret holding the client secret; default 'graph-client-secret'. */
    secretName?: string;
    /** Lifetime of Graph tokens from the Entra stand-in; default 3600. */
    graphTokenLifetimeSeconds?: number;
    /**
     * When set, Graph tokens really expire this many seconds after issue while `expires_in` still
     * says graphTokenLifetimeSeconds: a token MSAL keeps serving from its cache is refused by Graph
     * (401) mid-run, as after a revocation or clock skew.
     */
    graphTokenEarlyExpirySeconds?: number;
    /** Default: loadSandboxCa(SANDBOX_CA_DIR) when set, else a new CA in a temp dir removed at process exit. */
    ca?: SandboxCa;
}

export interface Sandbox {
    /** App settings that point the app at the sandbox (no client secret: the app reads it from the vault). */
    readonly settings: Readonly<Record<string, string>>;
    /** The newest client secret value. */
    readonly clientSecret: string;
    readonly tenantId: string;
    readonly clientId: string;
    /** Client id of the sandbox managed identity (accepted as AZURE_CLIENT_ID; unset works too). */
    readonly managedIdentityClientId: string;
    readonly userCount: number;
    readonly counters: SandboxCounters;
    readonly requests: readonly RecordedRequest[];
    /** Empties `requests` (long load tests would otherwise measure the log's growth). */
    clearRequestLog(): void;
    readonly faults: SandboxFaults;
    /** Every access token ever issued (Graph, Key Vault, and callers' by callerTokens.issue()). */
    issuedTokens(): readonly string[];
    /**
     * Access tokens for callers of the function's own API, signed with keys in the tenant's JWKS. Its
     * `settings` (API_AUDIENCE, API_REQUIRED_ROLE) turn caller authorization on; `settings` above
     * leaves it off, as an app deployed without them.
     */
    readonly callerTokens: CallerTokens;
    /**
     * Values of this sandbox's configuration that no API caller may ever read in an answer: tenant,
     * client and identity ids, the tenant's domain, the vault URL and the secret's name, the API's
     * own client id and App ID URI.
     */
    readonly internalIdentifiers: readonly string[];
    /** Every client secret value ever created. */
    secretHistory(): readonly string[];
    userAt(index: number): SandboxUser;
    /** New secret registered in Entra and written as a new Key Vault version; revokeOld (default true) retires older ones. */
    rotateSecret(options?: { revokeOld?: boolean }): Promise<string>;
    /** The current secret now fails with AADSTS7000222. */
    expireSecret(): void;
    /** App roles put in new Graph tokens; [] makes Graph answer 403. */
    setAppRoles(roles: readonly string[]): void;
    /** false: Key Vault answers 403 ForbiddenByRbac to the managed identity. */
    setKeyVaultAccess(allowed: boolean): void;
    /** Soft-deletes the secret: reads get 404 SecretNotFound, writes 409 until rotateSecret(). */
    deleteSecret(): void;
    /** Disables the current version: reads get 403 SecretDisabled. */
    disableSecret(): void;
    close(): Promise<void>;
}

const DEFAULT_TENANT_ID = '7f3c1a2e-5b6d-4e8f-9a0b-1c2d3e4f5a6b';
const DEFAULT_CLIENT_ID = '2b8e4f6a-1c3d-4e5f-8a9b-0c1d2e3f4a5b';
const SERVICE_PRINCIPAL_ID = '5d0a9c8b-7e6f-4a3b-9c2d-1e0f9a8b7c6d';
const MANAGED_IDENTITY_CLIENT_ID = '9e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b';
const MANAGED_IDENTITY_OBJECT_ID = '0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d';

/**
 * Starts the stand-ins on loopback ports: Entra, Key Vault and Graph per sandbox (HTTPS), and the
 * managed identity endpoint shared by every sandbox of the process (see sharedIdentityEndpoint).
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
    const userCount = options.userCount ?? 250;
    const graphTokenLifetimeSeconds = options.graphTokenLifetimeSeconds ?? 3600;
    const graphTokenJwtLifetimeSeconds = options.graphTokenEarlyExpirySeconds ?? graphTokenLifetimeSeconds;
    if (!Number.isSafeInteger(userCount) || userCount < 0 || userCount >= 2 ** 32)
        throw new RangeError(`userCount out of range: ${userCount}`);
    if (!Number.isSafeInteger(graphTokenLifetimeSeconds) || graphTokenLifetimeSeconds < 1) {
        throw new RangeError(`graphTokenLifetimeSeconds must be a positive integer: ${graphTokenLifetimeSeconds}`);
    }
    if (!Number.isSafeInteger(graphTokenJwtLifetimeSeconds) || graphTokenJwtLifetimeSeconds < 1) {
        throw new RangeError(`graphTokenEarlyExpirySeconds must be a positive integer: ${graphTokenJwtLifetimeSeconds}`);
    }
    const tenantId = options.tenantId ?? DEFAULT_TENANT_ID;
    const secretName = options.secretName ?? 'graph-client-secret';
    const caDir = process.env.SANDBOX_CA_DIR;
    const ca = options.ca ?? (caDir ? await loadSandboxCa(caDir) : await createSandboxCa());
    const certificate = await issueServerCertificate(ca);
    const identity = await sharedIdentityEndpoint();
    const origins: SandboxOrigins = { entra: '', identity: identity.origin, keyVault: '', graph: '' };
    const state: SandboxState = {
        tenantId,
        tenantDomain: 'contoso.sandbox',
        clientId: options.clientId ?? DEFAULT_CLIENT_ID,
        servicePrincipalId: SERVICE_PRINCIPAL_ID,
        managedIdentityClientId: MANAGED_IDENTITY_CLIENT_ID,
        managedIdentityObjectId: MANAGED_IDENTITY_OBJECT_ID,
        identityHeader: identity.header,
        userCount,
        seed: options.seed ?? 42,
        graphTokenLifetimeSeconds,
        graphTokenJwtLifetimeSeconds,
        origins,
        appRoles: ['User.Read.All'],
        keyVaultAccess: true,
        clientSecrets: new ClientSecrets(),
        vault: new VaultStore(),
        issuer: await TokenIssuer.create(tenantId),
        callerTokens: new CallerTokens({ tenantId, authority: () => origins.entra }),
        counters: new SandboxCounters(),
        faults: new SandboxFaults(),
    };
    const log: RecordedRequest[] = [];
    const servers: ServiceServer[] = [];
    try {
        for (const [key, service, handle] of [
            ['entra', 'entra', createEntraHandler(state)],
            ['keyVault', 'keyvault', createKeyVaultHandler(state)],
            ['graph', 'graph', createGraphHandler(state)],
        ] as const) {
            const server = await startServiceServer({ service, handle, log: () => log, certificate });
            servers.push(server);
            origins[key] = server.origin;
        }
    } catch (error) {
        await Promise.all(servers.map((s) => s.close()));
        throw error;
    }
    state.vault.set(secretName, state.clientSecrets.add());
    const detachIdentity = identity.attach({ state, log });

    const settings = Object.freeze({
        GRAPH_TENANT_ID: tenantId,
        GRAPH_CLIENT_ID: state.clientId,
        KEY_VAULT_URL: origins.keyVault,
        GRAPH_CLIENT_SECRET_NAME: secretName,
        AUTHORITY_HOST: origins.entra,
        GRAPH_ENDPOINT: origins.graph,
        KEY_VAULT_DISABLE_CHALLENGE_RESOURCE_VERIFICATION: 'true',
        IDENTITY_ENDPOINT: `${origins.identity}/msi/token`,
        IDENTITY_HEADER: state.identityHeader,
        NODE_EXTRA_CA_CERTS: ca.certFile,
    });
    let closed: Promise<void> | undefined;

    return {
        settings,
        get clientSecret() {
            return state.clientSecrets.current;
        },
        tenantId,
        clientId: state.clientId,
        managedIdentityClientId: MANAGED_IDENTITY_CLIENT_ID,
        userCount,
        counters: state.counters,
        requests: log,
        clearRequestLog: () => {
            log.length = 0;
        },
        faults: state.faults,
        issuedTokens: () => [...state.issuer.issuedTokens(), ...state.callerTokens.issuedTokens()],
        callerTokens: state.callerTokens,
        internalIdentifiers: [
            tenantId,
            state.tenantDomain,
            state.clientId,
            SERVICE_PRINCIPAL_ID,
            MANAGED_IDENTITY_CLIENT_ID,
            MANAGED_IDENTITY_OBJECT_ID,
            origins.keyVault,
            secretName,
            state.callerTokens.apiClientId,
        ],
        secretHistory: () => state.clientSecrets.history(),
        userAt(index) {
            if (!Number.isSafeInteger(index) || index < 0 || index >= userCount) throw new RangeError(`No user at index ${index}`);
            return sandboxUserAt(state.seed, index);
        },
        rotateSecret(rotate = {}) {
            const value = state.clientSecrets.add();
            if (rotate.revokeOld ?? true) state.clientSecrets.revokeAllBut(value);
            if (state.vault.set(secretName, value) === undefined) {
                // The rotate flow recreates a soft-deleted secret (recover + new version).
                state.vault.purge(secretName);
                state.vault.set(secretName, value);
            }
            return Promise.resolve(value);
        },
        expireSecret: () => {
            state.clientSecrets.expireCurrent();
        },
        setAppRoles(roles) {
            state.appRoles = [...roles];
        },
        setKeyVaultAccess(allowed) {
            state.keyVaultAccess = allowed;
        },
        deleteSecret: () => {
            state.vault.softDelete(secretName);
        },
        disableSecret: () => {
            state.vault.disableLatest(secretName);
        },
        close() {
            detachIdentity();
            closed ??= Promise.all(servers.map((s) => s.close())).then(() => undefined);
            return closed;
        },
    };
}
