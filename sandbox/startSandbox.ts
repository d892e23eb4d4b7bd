import { randomUUID } from 'node:crypto';
import { AppCertificates } from './AppCertificates.js';
import { CallerTokens } from './CallerTokens.js';
import { ClientSecrets } from './ClientSecrets.js';
import { FederatedCredentials, type FederatedCredential } from './FederatedCredentials.js';
import {
    certificateSecretValue,
    chunks,
    createSandboxCertificate,
    keyMaterialFingerprints,
    type CertificateSecretShape,
    type SandboxCertificate,
} from './SandboxCertificate.js';
import { createEntraHandler } from './entraHandler.js';
import { createGraphHandler } from './graphHandler.js';
import { createKeyVaultHandler } from './keyVaultHandler.js';
import type { RecordedRequest } from './RecordedRequest.js';
import { createSandboxCa, issueServerCertificate, loadSandboxCa } from './SandboxCa.js';
import type { SandboxCa } from './SandboxCa.js';
import { SandboxCounters } from './SandboxCounters.js';
import { SandboxDelta, type DeltaExpiryAnswer } from './SandboxDelta.js';
import { SandboxDirectory } from './SandboxDirectory.js';
import { SandboxFaults } from './SandboxFaults.js';
import { FEDERATION_AUDIENCE, type SandboxOrigins, type SandboxState } from './SandboxState.js';
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
    /**
     * The GRAPH_CREDENTIAL the settings are for (default keyVaultSecret). All three work on every sandbox: the
     * app has a client secret, a registered certificate and a federated credential for the user-assigned identity.
     */
    credential?: SandboxCredential;
    /** Content type of the certificate's Key Vault secret; default Key Vault's, application/x-pkcs12. */
    certificateContentType?: CertificateSecretShape['contentType'];
    /** Lifetime of managed identity tokens; default 86400 (App Service's 24 h). */
    identityTokenLifetimeSeconds?: number;
    /** Users per `/users/delta` page; default 200 (Graph ignores `$top` there). */
    deltaPageSize?: number;
}

export type SandboxCredential = 'keyVaultSecret' | 'keyVaultCertificate' | 'managedIdentity';

export interface Sandbox {
    /** App settings that point the app at the sandbox (no client secret: the app reads it from the vault). */
    readonly settings: Readonly<Record<string, string>>;
    /** The newest client secret value. */
    readonly clientSecret: string;
    readonly tenantId: string;
    readonly clientId: string;
    /** Client id of the function app's system-assigned identity (accepted as AZURE_CLIENT_ID; unset works too). */
    readonly managedIdentityClientId: string;
    /** The user-assigned identity (new per sandbox) that the app's federated credential names. */
    readonly userAssignedIdentity: { readonly clientId: string; readonly principalId: string };
    /** The federated credential registered at start: issuer `{entra}/{tenant}/v2.0`, the identity's principal id, the global audience. */
    readonly defaultFederatedCredential: FederatedCredential;
    /** The directory's size at start. */
    readonly userCount: number;
    /**
     * The directory as it is now: create, update, soft-delete, restore and hard-delete users
     * between runs; `/users` and `/users/delta` both reflect it.
     */
    readonly directory: SandboxDirectory;
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
     * client and identity ids, the tenant's domain, the vault URL, the secret's and the certificate's
     * names, the API's own client id.
     */
    readonly internalIdentifiers: readonly string[];
    /** Every client secret value ever created. */
    secretHistory(): readonly string[];
    /** The user at `index` as the directory started (see `directory` for changes since). */
    userAt(index: number): SandboxUser;
    /** Every delta and skip token issued so far gets this answer from now on (Graph's three "start over" answers). */
    expireDeltaTokens(answer: DeltaExpiryAnswer): void;
    /** Whether `/users/delta` replays users (within and across rounds, shuffled); default true. */
    setDeltaReplays(on: boolean): void;
    /**
     * New secret registered in Entra and written as a new Key Vault version; revokeOld (default true) retires older ones.
     * `unpropagated`: as `graph-app.sh rotate-secret` meets Azure, where Graph's addPassword answers at once but the
     * token endpoint refuses the new secret (AADSTS7000215) until it has propagated: until `completePropagation()`.
     */
    rotateSecret(options?: { revokeOld?: boolean; unpropagated?: boolean }): Promise<string>;
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
    /** SHA-1 thumbprint (upper-case hex) of the newest certificate. */
    readonly certificateThumbprint: string;
    /** The newest certificate with its key, for stand-in tests that sign assertions by hand. */
    readonly clientCertificate: SandboxCertificate;
    /**
     * Key Vault renews the certificate: a new key and certificate, registered on the app and written as a new
     * version of the certificate's secret; revokeOld (default true) removes the older ones from the app.
     * `unpropagated`: the order `graph-app.sh rotate-certificate` has in Azure: Key Vault makes the new version the
     * latest at once, and Entra accepts it only once the hook has registered it and the registration has propagated
     * (AADSTS700027 until then): until `completePropagation()`.
     */
    rotateCertificate(options?: { revokeOld?: boolean; shape?: Partial<CertificateSecretShape>; unpropagated?: boolean }): Promise<string>;
    /**
     * Entra ID accepts every unpropagated secret and certificate; revokeOld (default false) then retires all but the
     * newest, as the hook does after ROTATE_GRACE_SECONDS.
     */
    completePropagation(options?: { revokeOld?: boolean }): void;
    /** A new version of the certificate's secret for the current certificate, in another shape (no key, a password...). */
    writeCertificateSecret(shape: Partial<CertificateSecretShape>): void;
    /** Removes every certificate from the app registration: assertions get AADSTS700027. */
    unregisterCertificates(): void;
    addFederatedCredential(credential: FederatedCredential): void;
    removeFederatedCredentials(): void;
    /**
     * Private keys, certificate secrets and client assertions the sandbox made or received, and every
     * `$deltatoken` it issued (a bearer-grade cursor): never to be seen in output.
     */
    sensitiveValues(): readonly string[];
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
    const certificateName = 'graph-client-certificate';
    const credential = options.credential ?? 'keyVaultSecret';
    const identityTokenLifetimeSeconds = options.identityTokenLifetimeSeconds ?? 86_400;
    if (!Number.isSafeInteger(identityTokenLifetimeSeconds) || identityTokenLifetimeSeconds < 1) {
        throw new RangeError(`identityTokenLifetimeSeconds must be a positive integer: ${identityTokenLifetimeSeconds}`);
    }
    let certificateShape: CertificateSecretShape = { contentType: options.certificateContentType ?? 'application/x-pkcs12' };
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
        // New per sandbox: MSAL caches managed identity tokens per process and client id, and a federation
        // token names this sandbox's authority as its issuer.
        userAssignedClientId: randomUUID(),
        userAssignedObjectId: randomUUID(),
        identityTokenLifetimeSeconds,
        identityHeader: identity.header,
        userCount,
        seed: options.seed ?? 42,
        directory: new SandboxDirectory(options.seed ?? 42, userCount),
        delta: new SandboxDelta(options.deltaPageSize ?? 200),
        graphTokenLifetimeSeconds,
        graphTokenJwtLifetimeSeconds,
        origins,
        appRoles: ['User.Read.All'],
        keyVaultAccess: true,
        clientSecrets: new ClientSecrets(),
        appCertificates: new AppCertificates(),
        federatedCredentials: new FederatedCredentials(),
        assertionIds: new Map(),
        sensitive: [],
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
    let clientCertificate = await createSandboxCertificate();
    const writeCertificate = (): void => {
        const value = certificateSecretValue(clientCertificate, certificateShape);
        state.sensitive.push(value, ...chunks(value));
        if (state.vault.set(certificateName, value, certificateShape.contentType, {}, true) === undefined) {
            state.vault.purge(certificateName);
            state.vault.set(certificateName, value, certificateShape.contentType, {}, true);
        }
    };
    const adoptCertificate = (next: SandboxCertificate, unpropagated = false): void => {
        clientCertificate = next;
        state.sensitive.push(...keyMaterialFingerprints(next));
        state.appCertificates.register(next, { unpropagated });
        writeCertificate();
    };
    /** An unpropagated credential cannot have replaced the old one yet: the hook removes it only after the grace period. */
    const revokeOldDefault = (rotate: { readonly revokeOld?: boolean; readonly unpropagated?: boolean }): boolean => {
        if (rotate.unpropagated === true && rotate.revokeOld === true) {
            throw new RangeError(
                'An unpropagated credential leaves the old one in place: revoke it with completePropagation({ revokeOld: true }).',
            );
        }
        return rotate.revokeOld ?? rotate.unpropagated !== true;
    };
    adoptCertificate(clientCertificate);
    const defaultFederatedCredential: FederatedCredential = {
        name: 'graph-users-function',
        issuer: `${origins.entra}/${tenantId}/v2.0`,
        subject: state.userAssignedObjectId,
        audiences: [FEDERATION_AUDIENCE],
    };
    state.federatedCredentials.add(defaultFederatedCredential);
    const detachIdentity = identity.attach({ state, log });

    const common = {
        GRAPH_TENANT_ID: tenantId,
        GRAPH_CLIENT_ID: state.clientId,
        AUTHORITY_HOST: origins.entra,
        GRAPH_ENDPOINT: origins.graph,
        IDENTITY_ENDPOINT: `${origins.identity}/msi/token`,
        IDENTITY_HEADER: state.identityHeader,
        NODE_EXTRA_CA_CERTS: ca.certFile,
    };
    const keyVault = { KEY_VAULT_URL: origins.keyVault, KEY_VAULT_DISABLE_CHALLENGE_RESOURCE_VERIFICATION: 'true' };
    const settings: Readonly<Record<string, string>> = Object.freeze(
        credential === 'keyVaultSecret'
            ? { ...common, ...keyVault, GRAPH_CLIENT_SECRET_NAME: secretName }
            : credential === 'keyVaultCertificate'
              ? {
                    ...common,
                    ...keyVault,
                    GRAPH_CREDENTIAL: credential,
                    GRAPH_CLIENT_CERTIFICATE_NAME: certificateName,
                    AZURE_CLIENT_ID: state.userAssignedClientId,
                }
              : { ...common, GRAPH_CREDENTIAL: credential, AZURE_CLIENT_ID: state.userAssignedClientId },
    );
    let closed: Promise<void> | undefined;

    return {
        settings,
        get clientSecret() {
            return state.clientSecrets.current;
        },
        tenantId,
        clientId: state.clientId,
        managedIdentityClientId: MANAGED_IDENTITY_CLIENT_ID,
        userAssignedIdentity: { clientId: state.userAssignedClientId, principalId: state.userAssignedObjectId },
        defaultFederatedCredential,
        userCount,
        directory: state.directory,
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
            state.userAssignedClientId,
            state.userAssignedObjectId,
            origins.keyVault,
            secretName,
            certificateName,
            state.callerTokens.apiClientId,
        ],
        secretHistory: () => state.clientSecrets.history(),
        userAt(index) {
            if (!Number.isSafeInteger(index) || index < 0 || index >= userCount) throw new RangeError(`No user at index ${index}`);
            return sandboxUserAt(state.seed, index);
        },
        expireDeltaTokens(answer) {
            state.delta.expire(answer);
        },
        setDeltaReplays(on) {
            state.delta.replays = on;
        },
        rotateSecret(rotate = {}) {
            // The Promise constructor turns a refused combination of options into a rejection.
            return new Promise<string>((resolve) => {
                const revokeOld = revokeOldDefault(rotate);
                const value = state.clientSecrets.add({ unpropagated: rotate.unpropagated === true });
                if (revokeOld) state.clientSecrets.revokeAllBut(value);
                if (state.vault.set(secretName, value) === undefined) {
                    // The rotate flow recreates a soft-deleted secret (recover + new version).
                    state.vault.purge(secretName);
                    state.vault.set(secretName, value);
                }
                resolve(value);
            });
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
        get certificateThumbprint() {
            return clientCertificate.thumbprintSha1;
        },
        get clientCertificate() {
            return clientCertificate;
        },
        async rotateCertificate(rotate = {}) {
            const revokeOld = revokeOldDefault(rotate);
            const next = await createSandboxCertificate();
            certificateShape = { ...certificateShape, ...rotate.shape };
            adoptCertificate(next, rotate.unpropagated === true);
            if (revokeOld) state.appCertificates.removeAllBut(next.thumbprintSha1);
            return next.thumbprintSha1;
        },
        completePropagation(complete = {}) {
            state.clientSecrets.acceptUnpropagated();
            state.appCertificates.acceptUnpropagated();
            if (complete.revokeOld === true) {
                state.clientSecrets.revokeAllBut(state.clientSecrets.current);
                state.appCertificates.removeAllBut(clientCertificate.thumbprintSha1);
            }
        },
        writeCertificateSecret(shape) {
            certificateShape = { ...certificateShape, ...shape };
            writeCertificate();
        },
        unregisterCertificates: () => {
            state.appCertificates.removeAllBut(undefined);
        },
        addFederatedCredential(fic) {
            state.federatedCredentials.add(fic);
        },
        removeFederatedCredentials: () => {
            state.federatedCredentials.removeAll();
        },
        sensitiveValues: () => [...state.sensitive, ...state.delta.deltaTokens()],
        close() {
            detachIdentity();
            closed ??= Promise.all(servers.map((s) => s.close())).then(() => undefined);
            return closed;
        },
    };
}
