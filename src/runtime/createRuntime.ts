import { SecretClient } from '@azure/keyvault-secrets';
import { loadCoreSettings, type CoreSettings } from '../config/CoreSettings.js';
import type { Environment } from '../config/readSettings.js';
import { GraphClient, type RetryOptions } from '../graph/GraphClient.js';
import type { Logger } from '../logging/Logger.js';
import { createKeyVaultCredential } from '../secret/createKeyVaultCredential.js';
import { KeyVaultSecretSource } from '../secret/KeyVaultSecretSource.js';
import type { KeyRing } from '../keyRing/KeyRing.js';
import { GraphTokenProvider } from '../token/GraphTokenProvider.js';
import { UsersService } from '../users/UsersService.js';
import { createPageTokenKeyRing } from './createPageTokenKeyRing.js';

/** Everything one process shares across invocations: one secret cache, one MSAL app, one client. */
export interface Runtime {
    readonly settings: CoreSettings;
    readonly secrets: KeyVaultSecretSource;
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
    /**
     * The page-token keys. Default: the ring in the export storage when it is configured, else one
     * in this process's memory (with a warning). The CLI, which never prints tokens, passes its own.
     */
    readonly keyRing?: KeyRing;
}

/** Builds the Key Vault → MSAL → Graph pipeline from settings. Constructs clients only: no I/O. */
export function createRuntime(env: Environment, options: RuntimeOptions = {}): Runtime {
    const settings = loadCoreSettings(env);
    const credential = createKeyVaultCredential(env, settings.managedIdentityClientId);
    const secretClient = new SecretClient(settings.keyVaultUrl, credential, {
        disableChallengeResourceVerification: settings.disableChallengeResourceVerification,
        retryOptions: { maxRetries: 3, maxRetryDelayInMs: 8_000 },
    });
    const secrets = new KeyVaultSecretSource({
        reader: secretClient,
        vaultUrl: settings.keyVaultUrl,
        secretName: settings.secretName,
        ttlSeconds: settings.secretCacheTtlSeconds,
        ...(options.keyVaultTimeoutMs === undefined ? {} : { timeoutMs: options.keyVaultTimeoutMs }),
        identityDescription:
            settings.managedIdentityClientId === undefined
                ? "the function app's managed identity"
                : `the managed identity with client id ${settings.managedIdentityClientId}`,
    });
    const tokens = new GraphTokenProvider({
        tenantId: settings.tenantId,
        clientId: settings.clientId,
        authorityHost: settings.authorityHost,
        graphEndpoint: settings.graphEndpoint,
        secrets,
        ...(options.logger === undefined ? {} : { logger: options.logger }),
        ...(options.tokenTimeoutMs === undefined ? {} : { timeoutMs: options.tokenTimeoutMs }),
    });
    const graph = new GraphClient({
        graphEndpoint: settings.graphEndpoint,
        tokens,
        adminConsentUrl: `${settings.authorityHost}/${settings.tenantId}/adminconsent?client_id=${settings.clientId}`,
        ...(options.retry === undefined ? {} : { retry: options.retry }),
    });
    const keyRing = options.keyRing ?? createPageTokenKeyRing(env, options.logger);
    const users = new UsersService({ graph, keyRing });
    return { settings, secrets, tokens, graph, users };
}
