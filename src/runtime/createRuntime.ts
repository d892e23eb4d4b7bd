import { ManagedIdentityCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { loadCoreSettings, type CoreSettings } from '../config/CoreSettings.js';
import type { Environment } from '../config/readSettings.js';
import { federationAudience } from '../credentials/federationAudience.js';
import type { GraphCredentialSource } from '../credentials/GraphCredential.js';
import { CERTIFICATE_PURPOSE, KeyVaultCertificateCredentialSource } from '../credentials/KeyVaultCertificateCredentialSource.js';
import { KeyVaultSecretCredentialSource } from '../credentials/KeyVaultSecretCredentialSource.js';
import { ManagedIdentityCredentialSource } from '../credentials/ManagedIdentityCredentialSource.js';
import { GraphClient, type RetryOptions } from '../graph/GraphClient.js';
import type { KeyRing } from '../keyRing/KeyRing.js';
import type { Logger } from '../logging/Logger.js';
import { createKeyVaultCredential } from '../secret/createKeyVaultCredential.js';
import { KeyVaultSecretSource } from '../secret/KeyVaultSecretSource.js';
import type { BackoffOptions } from '../retry/computeBackoff.js';
import { GraphTokenProvider, type PropagationRetryOptions } from '../token/GraphTokenProvider.js';
import { UsersService } from '../users/UsersService.js';
import { createPageTokenKeyRing } from './createPageTokenKeyRing.js';

/** Everything one process shares across invocations: one credential cache, one MSAL app, one client. */
export interface Runtime {
    readonly settings: CoreSettings;
    /** The Key Vault secret behind the credential (client secret or certificate); undefined with the managed identity. */
    readonly secrets: KeyVaultSecretSource | undefined;
    readonly credentials: GraphCredentialSource;
    readonly tokens: GraphTokenProvider;
    readonly graph: GraphClient;
    readonly users: UsersService;
}

export interface RuntimeOptions {
    readonly logger?: Logger;
    readonly retry?: Partial<RetryOptions>;
    /** Per-read Key Vault and per-request token timeouts; defaults 15 s and 30 s. */
    readonly keyVaultTimeoutMs?: number;
    readonly tokenTimeoutMs?: number;
    /** AADSTS70021 retries before the first token (tests shorten them). */
    readonly propagationRetry?: PropagationRetryOptions;
    /** When a newer credential Entra ID refused is tried again (tests shorten it). */
    readonly newCredentialRetry?: BackoffOptions;
    /**
     * The page-token keys. Default: the ring in the export storage when it is configured, else one
     * in this process's memory (with a warning). The CLI, which never prints tokens, passes its own.
     */
    readonly keyRing?: KeyRing;
}

/** Builds the credential → MSAL → Graph pipeline from settings. Constructs clients only: no I/O. */
export function createRuntime(env: Environment, options: RuntimeOptions = {}): Runtime {
    const settings = loadCoreSettings(env);
    const { secrets, credentials } = createCredentialSource(settings, env, options);
    const tokens = new GraphTokenProvider({
        tenantId: settings.tenantId,
        clientId: settings.clientId,
        authorityHost: settings.authorityHost,
        graphEndpoint: settings.graphEndpoint,
        credentials,
        ...(options.logger === undefined ? {} : { logger: options.logger }),
        ...(options.tokenTimeoutMs === undefined ? {} : { timeoutMs: options.tokenTimeoutMs }),
        ...(options.propagationRetry === undefined ? {} : { propagationRetry: options.propagationRetry }),
        ...(options.newCredentialRetry === undefined ? {} : { newCredentialRetry: options.newCredentialRetry }),
    });
    const graph = new GraphClient({
        graphEndpoint: settings.graphEndpoint,
        tenantId: settings.tenantId,
        tokens,
        adminConsentUrl: `${settings.authorityHost}/${settings.tenantId}/adminconsent?client_id=${settings.clientId}`,
        ...(options.retry === undefined ? {} : { retry: options.retry }),
    });
    const keyRing = options.keyRing ?? createPageTokenKeyRing(env, options.logger);
    const users = new UsersService({ graph, keyRing });
    return { settings, secrets, credentials, tokens, graph, users };
}

function createCredentialSource(
    settings: CoreSettings,
    env: Environment,
    options: RuntimeOptions,
): { secrets: KeyVaultSecretSource | undefined; credentials: GraphCredentialSource } {
    const identityDescription =
        settings.managedIdentityClientId === undefined
            ? "the function app's managed identity"
            : `the managed identity with client id ${settings.managedIdentityClientId}`;
    if (settings.credential === 'managedIdentity' || settings.keyVaultUrl === undefined) {
        const identityClientId = settings.managedIdentityClientId ?? '';
        return {
            secrets: undefined,
            credentials: new ManagedIdentityCredentialSource({
                identity: new ManagedIdentityCredential({ clientId: identityClientId }),
                identityClientId,
                audience: federationAudience(settings.authorityHost),
            }),
        };
    }
    const secretClient = new SecretClient(settings.keyVaultUrl, createKeyVaultCredential(env, settings.managedIdentityClientId), {
        disableChallengeResourceVerification: settings.disableChallengeResourceVerification,
        retryOptions: { maxRetries: 3, maxRetryDelayInMs: 8_000 },
    });
    const certificate = settings.credential === 'keyVaultCertificate';
    const secrets = new KeyVaultSecretSource({
        reader: secretClient,
        vaultUrl: settings.keyVaultUrl,
        secretName: certificate ? settings.certificateName : settings.secretName,
        ...(certificate ? { purpose: CERTIFICATE_PURPOSE } : {}),
        ttlSeconds: settings.secretCacheTtlSeconds,
        ...(options.keyVaultTimeoutMs === undefined ? {} : { timeoutMs: options.keyVaultTimeoutMs }),
        identityDescription,
    });
    const credentials = certificate
        ? new KeyVaultCertificateCredentialSource(secrets, { vaultUrl: settings.keyVaultUrl, certificateName: settings.certificateName })
        : new KeyVaultSecretCredentialSource(secrets);
    return { secrets, credentials };
}
