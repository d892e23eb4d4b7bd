import { ConfidentialClientApplication, LogLevel, type AuthenticationResult } from '@azure/msal-node';
import { registerSensitiveValue } from '../errors/sanitizeText.js';
import type { GraphCredential, GraphCredentialSource } from '../credentials/GraphCredential.js';
import type { Logger } from '../logging/Logger.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { computeBackoff, type BackoffOptions } from '../retry/computeBackoff.js';
import { isTransientTokenError, toTokenError, type TokenContext } from './toTokenError.js';

/** Token endpoint attempts for transient failures (429, 5xx, network), and their backoff. */
const TOKEN_ATTEMPTS = 3;
const TOKEN_BACKOFF = { baseDelayMs: 250, maxDelayMs: 2_000 };
/**
 * A new federated credential is refused (AADSTS70021) until it has propagated, typically seconds to a few
 * minutes (Learn: workload identity federation, "Important considerations and restrictions"). Until the
 * first token succeeds, such refusals are retried: about 30 s in all, then the error with its fix.
 */
export const PROPAGATION_RETRY: PropagationRetryOptions = { attempts: 6, baseDelayMs: 1_000, maxDelayMs: 8_000 };

export interface PropagationRetryOptions extends BackoffOptions {
    readonly attempts: number;
}

/**
 * Loopback authorities can only be local emulators (the sandbox): MSAL cannot validate them by instance
 * discovery, so they are trusted as known authorities. Any other host is left to MSAL's authority validation.
 * Microsoft's login hosts are in msal-common's built-in metadata (AuthorityMetadata.ts, no network call);
 * anything else goes through instance discovery, so a mistyped AUTHORITY_HOST fails before a credential is sent.
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export interface GraphTokenProviderOptions {
    readonly tenantId: string;
    readonly clientId: string;
    readonly authorityHost: string;
    /** Graph base URL; the scope is `<graphEndpoint>/.default`. */
    readonly graphEndpoint: string;
    readonly credentials: GraphCredentialSource;
    readonly logger?: Logger;
    readonly timeoutMs?: number;
    /** Retries of AADSTS70021 before the first success (tests shorten them). */
    readonly propagationRetry?: PropagationRetryOptions;
}

export interface AccessToken {
    readonly token: string;
    readonly expiresOn: Date | undefined;
    readonly fromCache: boolean;
    /** How long this acquisition waited for Key Vault (0 with the managed identity) and for MSAL/Entra ID. */
    readonly keyVaultMs: number;
    readonly tokenMs: number;
}

/**
 * The one token module both functions share, whatever the credential (client secret, certificate or the
 * managed identity's federated token). It keeps one MSAL confidential client per credential value (MSAL's
 * credential is fixed at construction), lets MSAL's cache serve warm calls, and makes concurrent cold
 * callers share one credential read and one token request.
 */
export class GraphTokenProvider {
    readonly #options: GraphTokenProviderOptions;
    readonly #scope: string;
    #client: { key: string; app: ConfidentialClientApplication } | undefined;
    #inFlight: Promise<AccessToken> | undefined;
    #inFlightForced: Promise<AccessToken> | undefined;
    #tokenRequests = 0;
    #succeeded = false;

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
        const { credentials, logger } = this.#options;
        const started = performance.now();
        const credential = await credentials.getCredential();
        let keyVaultMs = performance.now() - started;
        try {
            return await this.#acquireWithPropagationRetry(credential, forceRefresh, keyVaultMs);
        } catch (error) {
            if (!credentials.isStaleCredentialError(error)) throw toTokenError(error, this.#context(credential));
            // Entra rejected the credential: it may have been rotated. Re-read it past the cache, once.
            const rereadStarted = performance.now();
            const fresh = await credentials.getCredential({ refresh: true });
            keyVaultMs += performance.now() - rereadStarted;
            if (fresh.key === credential.key) throw toTokenError(error, this.#context(credential));
            logger?.warn(
                `Entra ID rejected ${credential.facts().description}; retrying once with ${fresh.facts().description} from Key Vault.`,
            );
            try {
                return await this.#acquireWith(fresh, true, keyVaultMs);
            } catch (retryError) {
                throw toTokenError(retryError, this.#context(fresh));
            }
        }
    }

    #context(credential: GraphCredential): TokenContext {
        const { tenantId, clientId, authorityHost } = this.#options;
        return { tenantId, clientId, authorityHost, credential: credential.facts() };
    }

    /** Until the first token, a federated credential that has not propagated yet is waited for (bounded). */
    async #acquireWithPropagationRetry(credential: GraphCredential, forceRefresh: boolean, keyVaultMs: number): Promise<AccessToken> {
        const retry = this.#options.propagationRetry ?? PROPAGATION_RETRY;
        for (let attempt = 1; ; attempt += 1) {
            try {
                const token = await this.#acquireWith(credential, forceRefresh, keyVaultMs);
                this.#succeeded = true;
                return token;
            } catch (error) {
                if (this.#succeeded || attempt >= retry.attempts || !this.#options.credentials.isPropagationError(error)) throw error;
                const delay = computeBackoff(attempt, retry);
                this.#options.logger?.warn(
                    `Entra ID found no matching federated credential (AADSTS70021, attempt ${attempt} of ${retry.attempts}); a new one may still be propagating, retrying in ${delay} ms.`,
                );
                await sleep(delay);
            }
        }
    }

    async #acquireWith(credential: GraphCredential, forceRefresh: boolean, keyVaultMs: number): Promise<AccessToken> {
        const started = performance.now();
        let app = this.#clientFor(credential);
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
                app = this.#clientFor(credential, { fresh: true });
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

    #clientFor(credential: GraphCredential, options: { readonly fresh?: boolean } = {}): ConfidentialClientApplication {
        if (options.fresh !== true && this.#client?.key === credential.key) return this.#client.app;
        const { tenantId, clientId, authorityHost, logger } = this.#options;
        const host = new URL(authorityHost).host;
        // A new app has an empty cache, so tokens issued under a rotated-out credential are never served again.
        const app = new ConfidentialClientApplication({
            auth: {
                clientId,
                authority: `${authorityHost}/${tenantId}`,
                ...credential.msal,
                ...(LOOPBACK_HOSTS.has(new URL(authorityHost).hostname) ? { knownAuthorities: [host] } : {}),
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
        this.#client = { key: credential.key, app };
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
