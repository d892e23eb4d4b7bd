import { ConfidentialClientApplication, LogLevel, type AuthenticationResult } from '@azure/msal-node';
import { registerSensitiveValue } from '../errors/sanitizeText.js';
import type { ClientSecret, ClientSecretSource } from '../secret/ClientSecret.js';
import type { Logger } from '../logging/Logger.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { computeBackoff } from '../retry/computeBackoff.js';
import { isInvalidClientError, isTransientTokenError, toTokenError } from './toTokenError.js';

/** Token endpoint attempts for transient failures (429, 5xx, network), and their backoff. */
const TOKEN_ATTEMPTS = 3;
const TOKEN_BACKOFF = { baseDelayMs: 250, maxDelayMs: 2_000 };

export interface GraphTokenProviderOptions {
    readonly tenantId: string;
    readonly clientId: string;
    readonly authorityHost: string;
    /** Graph base URL; the scope is `<graphEndpoint>/.default`. */
    readonly graphEndpoint: string;
    readonly secrets: ClientSecretSource;
    readonly logger?: Logger;
    readonly timeoutMs?: number;
}

export interface AccessToken {
    readonly token: string;
    readonly expiresOn: Date | undefined;
    readonly fromCache: boolean;
    /** How long this acquisition waited for Key Vault and for MSAL/Entra ID. */
    readonly keyVaultMs: number;
    readonly tokenMs: number;
}

/**
 * The one token module both functions share. It keeps one MSAL confidential client per secret
 * value (MSAL's credential is fixed at construction), lets MSAL's cache serve warm calls, and
 * makes concurrent cold callers share one Key Vault read and one token request.
 */
export class GraphTokenProvider {
    readonly #options: GraphTokenProviderOptions;
    readonly #scope: string;
    #client: { secretValue: string; app: ConfidentialClientApplication } | undefined;
    #inFlight: Promise<AccessToken> | undefined;
    #inFlightForced: Promise<AccessToken> | undefined;
    #tokenRequests = 0;

    constructor(options: GraphTokenProviderOptions) {
        this.#options = options;
        this.#scope = `${options.graphEndpoint}/.default`;
    }

    get scope(): string {
        return this.#scope;
    }

    /** Token requests that reached MSAL without a cached answer, for the invocation summary. */
    get tokenRequests(): number {
        return this.#tokenRequests;
    }

    /**
     * `forceRefresh` skips MSAL's cache: used once after Graph answered 401 to a cached token.
     */
    getToken(options: { readonly forceRefresh?: boolean } = {}): Promise<AccessToken> {
        if (options.forceRefresh === true) {
            this.#inFlightForced ??= this.#acquire(true).finally(() => {
                this.#inFlightForced = undefined;
            });
            return this.#inFlightForced;
        }
        this.#inFlight ??= this.#acquire(false).finally(() => {
            this.#inFlight = undefined;
        });
        return this.#inFlight;
    }

    async #acquire(forceRefresh: boolean): Promise<AccessToken> {
        const started = performance.now();
        const secret = await this.#options.secrets.getSecret();
        let keyVaultMs = performance.now() - started;
        try {
            return await this.#acquireWith(secret, forceRefresh, keyVaultMs);
        } catch (error) {
            if (!isInvalidClientError(error)) throw toTokenError(error, this.#options);
            // Entra rejected the secret: it may have been rotated. Re-read it past the cache, once.
            const rereadStarted = performance.now();
            const fresh = await this.#options.secrets.getSecret({ refresh: true });
            keyVaultMs += performance.now() - rereadStarted;
            if (fresh.value === secret.value) throw toTokenError(error, this.#options);
            this.#options.logger?.warn(
                `Entra ID rejected client secret version ${secret.version}; retrying once with version ${fresh.version} from Key Vault.`,
            );
            try {
                return await this.#acquireWith(fresh, true, keyVaultMs);
            } catch (retryError) {
                throw toTokenError(retryError, this.#options);
            }
        }
    }

    async #acquireWith(secret: ClientSecret, forceRefresh: boolean, keyVaultMs: number): Promise<AccessToken> {
        const started = performance.now();
        let app = this.#clientFor(secret);
        const timeoutMs = this.#options.timeoutMs ?? 30_000;
        let result: AuthenticationResult | null;
        for (let attempt = 1; ; attempt += 1) {
            try {
                result = await withTimeout(
                    app.acquireTokenByClientCredential({ scopes: [this.#scope], skipCache: forceRefresh }),
                    timeoutMs,
                    `The token request to ${this.#options.authorityHost} took longer than ${timeoutMs} ms.`,
                );
                break;
            } catch (error) {
                if (attempt >= TOKEN_ATTEMPTS || !isTransientTokenError(error)) {
                    // The last app may hold MSAL's 60 s throttle entry: start the next call afresh.
                    if (isTransientTokenError(error)) this.#client = undefined;
                    throw error;
                }
                // MSAL remembers a 5xx as a 60 s client-side throttle; a bounded retry on a fresh
                // app beats failing every call for a minute. Real throttling (429) is honoured.
                app = this.#clientFor(secret, { fresh: true });
                const delay = computeBackoff(attempt, TOKEN_BACKOFF);
                this.#options.logger?.warn(`Token endpoint unavailable (attempt ${attempt}); retrying in ${delay} ms.`);
                await sleep(delay);
            }
        }
        if (result === null || result.accessToken === '') {
            throw new Error('MSAL returned no access token.');
        }
        if (!result.fromCache) {
            this.#tokenRequests += 1;
            registerSensitiveValue(result.accessToken, 'token');
        }
        return {
            token: result.accessToken,
            expiresOn: result.expiresOn ?? undefined,
            fromCache: result.fromCache,
            keyVaultMs,
            tokenMs: performance.now() - started,
        };
    }

    #clientFor(secret: ClientSecret, options: { readonly fresh?: boolean } = {}): ConfidentialClientApplication {
        if (options.fresh !== true && this.#client?.secretValue === secret.value) return this.#client.app;
        const { tenantId, clientId, authorityHost, logger } = this.#options;
        // A new app has an empty cache, so tokens issued under a rotated-out secret are never served again.
        const app = new ConfidentialClientApplication({
            auth: {
                clientId,
                authority: `${authorityHost}/${tenantId}`,
                clientSecret: secret.value,
                // The host is our own setting, so skip instance discovery (a network call, and
                // impossible for sovereign or local authorities it does not know).
                knownAuthorities: [new URL(authorityHost).host],
            },
            system: {
                loggerOptions: {
                    piiLoggingEnabled: false,
                    logLevel: LogLevel.Error,
                    loggerCallback: (level, message) => {
                        if (level === LogLevel.Error) logger?.error(`MSAL: ${message}`);
                    },
                },
            },
        });
        this.#client = { secretValue: secret.value, app };
        return app;
    }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
            reject(Object.assign(new Error(message), { name: 'TimeoutError' }));
        }, ms);
    });
    return Promise.race([promise, timeout]).finally(() => {
        clearTimeout(timer);
    });
}
