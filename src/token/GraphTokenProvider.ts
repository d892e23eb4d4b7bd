import { ConfidentialClientApplication, LogLevel, type AuthenticationResult } from '@azure/msal-node';
import { registerSensitiveValue } from '../errors/sanitizeText.js';
import type { GraphCredential, GraphCredentialSource } from '../credentials/GraphCredential.js';
import type { Logger } from '../logging/Logger.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { computeBackoff, type BackoffOptions } from '../retry/computeBackoff.js';
import { msalAuthority } from './msalAuthority.js';
import { RefusedCredential } from './RefusedCredential.js';
import { aadstsCodeOf, isTransientTokenError, toTokenError, type TokenContext } from './toTokenError.js';
import { ensureErrorType } from '../errors/ensureErrorType.js';

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
 * A newer credential Entra ID refuses (a rotation's new secret or certificate, AADSTS7000215 / 700027) is tried
 * again on this schedule while the last accepted one keeps serving: Entra ID accepts a new credential only once it
 * has reached all of its regions, seconds to minutes after the hook made it the vault's latest version.
 */
export const NEW_CREDENTIAL_RETRY: BackoffOptions = { baseDelayMs: 15_000, maxDelayMs: 120_000 };
/** Earlier Key Vault versions a cold instance tries when Entra ID refuses the newest (bounded, in Key Vault's order). */
const EARLIER_VERSIONS_TRIED = 2;

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
    /** When a refused newer credential is tried again (tests shorten it). */
    readonly newCredentialRetry?: BackoffOptions;
    readonly now?: () => number;
}

export interface AccessToken {
    readonly token: string;
    readonly expiresOn: Date | undefined;
    readonly fromCache: boolean;
    /** How long this acquisition waited for Key Vault (0 with the managed identity) and for MSAL/Entra ID. */
    readonly keyVaultMs: number;
    readonly tokenMs: number;
}

/** The credential that got the last token, with the MSAL application (and cache) built for it. */
interface Accepted {
    readonly credential: GraphCredential;
    app: ConfidentialClientApplication;
}

/** Key Vault time spent in one acquisition. */
interface Timing {
    keyVaultMs: number;
}

/**
 * The one token module both functions share, whatever the credential (client secret, certificate or the
 * managed identity's federated token). It keeps one MSAL confidential client per credential value (MSAL's
 * credential is fixed at construction), lets MSAL's cache serve warm calls, and makes concurrent cold
 * callers share one credential read and one token request.
 *
 * Rotation without downtime: the credential that got the last token is kept, with its MSAL application, until
 * Entra ID accepts a newer value from Key Vault. The hook makes the new version the vault's latest before Entra ID
 * accepts it (a certificate version exists before it can be registered, and any registration takes time to
 * propagate), so an instance whose cache expires in between would otherwise drop a working credential for one Entra
 * ID refuses. A refused newer value is tried again on NEW_CREDENTIAL_RETRY and used as soon as it is accepted; a
 * cold instance, which holds nothing yet, looks for the version the rotation replaced in Key Vault.
 */
export class GraphTokenProvider {
    readonly #options: GraphTokenProviderOptions;
    readonly #scope: string;
    readonly #refused: RefusedCredential;
    #accepted: Accepted | undefined;
    #inFlight: Promise<AccessToken> | undefined;
    #inFlightForced: Promise<AccessToken> | undefined;
    #tokenRequests = 0;
    #succeeded = false;

    constructor(options: GraphTokenProviderOptions) {
        this.#options = options;
        this.#scope = `${options.graphEndpoint}/.default`;
        this.#refused = new RefusedCredential({
            retry: options.newCredentialRetry ?? NEW_CREDENTIAL_RETRY,
            now: options.now ?? Date.now,
            ...(options.logger === undefined ? {} : { logger: options.logger }),
        });
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
        const timing: Timing = { keyVaultMs: 0 };
        let latest: GraphCredential | undefined;
        let vaultFailure: { readonly error: unknown } | undefined;
        try {
            latest = await this.#read(timing, false);
        } catch (error) {
            if (this.#accepted === undefined) throw error;
            // Key Vault unreadable (an outage, throttling, the current version disabled to roll a bad one back) while
            // Entra ID accepted a credential before: it, and the token in its cache, keep serving. The vault's error,
            // which says what to fix, is logged now and reaches the caller only if the held credential fails too.
            this.#options.logger?.warn(
                `Key Vault could not be read; ${this.#accepted.credential.facts().description} keeps serving. ${ensureErrorType(error).toLogString()}`,
            );
            vaultFailure = { error };
        }
        const tried = new Set<string>();
        let refusal: { readonly error: unknown; readonly credential: GraphCredential } | undefined;

        if (latest !== undefined && this.#accepted?.credential.key !== latest.key) {
            if (this.#accepted === undefined || this.#refused.isDue(latest)) {
                tried.add(latest.key);
                try {
                    return await this.#tryNew(latest, forceRefresh, timing);
                } catch (error) {
                    if (this.#options.credentials.isStaleCredentialError(error)) {
                        refusal = { error, credential: latest };
                        this.#refused.refused(latest, aadstsCodeOf(error), () => toTokenError(error, this.#context(latest)).toLogString());
                    } else if (this.#accepted === undefined) {
                        throw toTokenError(error, this.#context(latest));
                    } else {
                        // Not a verdict on the new value (the token endpoint failed, say): the credential that works,
                        // and the token in its cache, keep serving this call.
                        this.#refused.postponed(latest, toTokenError(error, this.#context(latest)).toLogString());
                    }
                }
            }
            if (this.#accepted === undefined) {
                const earlier = await this.#tryEarlier(latest, forceRefresh, timing, tried);
                if (earlier !== undefined) return earlier;
            }
        }

        const accepted = this.#accepted;
        if (accepted !== undefined) {
            try {
                return await this.#tryAccepted(accepted, forceRefresh, timing);
            } catch (error) {
                if (!this.#options.credentials.isStaleCredentialError(error)) throw toTokenError(error, this.#context(accepted.credential));
                // Entra ID no longer accepts it (revoked, expired): never serve its tokens again.
                if (this.#accepted === accepted) this.#accepted = undefined;
                tried.add(accepted.credential.key);
                refusal = { error, credential: accepted.credential };
            }
        }
        if (vaultFailure !== undefined) throw vaultFailure.error;

        // Nothing held works. The vault may hold a value not tried yet (rotated since the cache was filled): read past the cache, once.
        const fresh = await this.#read(timing, true);
        if (!tried.has(fresh.key)) {
            if (refusal !== undefined) {
                this.#options.logger?.warn(
                    `Entra ID rejected ${refusal.credential.facts().description}; retrying once with ${fresh.facts().description} from Key Vault.`,
                );
            }
            try {
                return await this.#tryNew(fresh, forceRefresh, timing);
            } catch (error) {
                if (!this.#options.credentials.isStaleCredentialError(error)) throw toTokenError(error, this.#context(fresh));
                refusal = { error, credential: fresh };
            }
        }
        if (refusal === undefined) throw new Error('Internal: no credential was tried.');
        throw toTokenError(refusal.error, this.#context(refusal.credential));
    }

    async #read(timing: Timing, refresh: boolean): Promise<GraphCredential> {
        const started = performance.now();
        try {
            return await this.#options.credentials.getCredential(refresh ? { refresh } : {});
        } finally {
            timing.keyVaultMs += performance.now() - started;
        }
    }

    /** A value with no MSAL application yet: a token from it makes it the accepted one. */
    async #tryNew(credential: GraphCredential, forceRefresh: boolean, timing: Timing): Promise<AccessToken> {
        const { token, app } = await this.#acquireWithPropagationRetry(credential, this.#newApp(credential), forceRefresh, timing);
        const previous = this.#accepted;
        this.#accepted = { credential, app };
        if (!this.#refused.accepted(credential) && previous !== undefined && previous.credential.key !== credential.key) {
            this.#options.logger?.info(
                `Using ${credential.facts().description} from now on, instead of ${previous.credential.facts().description}.`,
            );
        }
        return token;
    }

    async #tryAccepted(accepted: Accepted, forceRefresh: boolean, timing: Timing): Promise<AccessToken> {
        const { token, app } = await this.#acquireWith(accepted.credential, accepted.app, forceRefresh, timing);
        accepted.app = app;
        return token;
    }

    /**
     * A cold instance, refused the newest value, holds nothing that works: the version the rotation replaced (bounded)
     * is read from Key Vault and kept until Entra ID accepts the newest.
     */
    async #tryEarlier(
        newest: GraphCredential,
        forceRefresh: boolean,
        timing: Timing,
        tried: Set<string>,
    ): Promise<AccessToken | undefined> {
        let before = newest;
        for (let step = 0; step < EARLIER_VERSIONS_TRIED; step += 1) {
            const started = performance.now();
            let earlier: GraphCredential | undefined;
            try {
                earlier = await this.#options.credentials.getEarlierCredential(before);
            } catch (error) {
                this.#options.logger?.warn(
                    `Could not look for an earlier Key Vault version to use meanwhile: ${ensureErrorType(error).toLogString()}`,
                );
                return undefined;
            } finally {
                timing.keyVaultMs += performance.now() - started;
            }
            if (earlier === undefined || tried.has(earlier.key)) return undefined;
            tried.add(earlier.key);
            try {
                const token = await this.#tryNew(earlier, forceRefresh, timing);
                this.#options.logger?.warn(
                    `Using ${earlier.facts().description}, an earlier Key Vault version Entra ID accepts, until it accepts ${newest.facts().description}.`,
                );
                return token;
            } catch (error) {
                if (!this.#options.credentials.isStaleCredentialError(error)) throw toTokenError(error, this.#context(earlier));
                before = earlier;
            }
        }
        return undefined;
    }

    #context(credential: GraphCredential): TokenContext {
        const { tenantId, clientId, authorityHost } = this.#options;
        return { tenantId, clientId, authorityHost, credential: credential.facts() };
    }

    /** Until the first token, a federated credential that has not propagated yet is waited for (bounded). */
    async #acquireWithPropagationRetry(
        credential: GraphCredential,
        app: ConfidentialClientApplication,
        forceRefresh: boolean,
        timing: Timing,
    ): Promise<{ token: AccessToken; app: ConfidentialClientApplication }> {
        const retry = this.#options.propagationRetry ?? PROPAGATION_RETRY;
        for (let attempt = 1; ; attempt += 1) {
            try {
                const acquired = await this.#acquireWith(credential, app, forceRefresh, timing);
                this.#succeeded = true;
                return acquired;
            } catch (error) {
                if (!this.#options.credentials.isPropagationError(error)) throw error;
                // The message says whether the app waited (before its first token) or not.
                if (this.#succeeded || attempt >= retry.attempts) {
                    throw toTokenError(error, { ...this.#context(credential), propagationAttempts: attempt });
                }
                const delay = computeBackoff(attempt, retry);
                this.#options.logger?.warn(
                    `Entra ID found no matching federated credential (AADSTS70021, attempt ${attempt} of ${retry.attempts}); a new one may still be propagating, retrying in ${delay} ms.`,
                );
                await sleep(delay);
            }
        }
    }

    /** One token with this credential: MSAL's cache first, transient failures retried on a fresh application. */
    async #acquireWith(
        credential: GraphCredential,
        initialApp: ConfidentialClientApplication,
        forceRefresh: boolean,
        timing: Timing,
    ): Promise<{ token: AccessToken; app: ConfidentialClientApplication }> {
        const started = performance.now();
        let app = initialApp;
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
                const transient = isTransientTokenError(error, this.#options.authorityHost);
                if (attempt >= TOKEN_ATTEMPTS || !transient) {
                    // The last app may hold MSAL's 60 s throttle entry: the next call starts afresh.
                    if (transient && this.#accepted?.app === initialApp) this.#accepted.app = this.#newApp(credential);
                    throw error;
                }
                // MSAL remembers a 5xx as a 60 s client-side throttle; a bounded retry on a fresh
                // app beats failing every call for a minute. Real throttling (429) is honoured.
                app = this.#newApp(credential);
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
        const token: AccessToken = {
            token: result.accessToken,
            expiresOn: result.expiresOn ?? undefined,
            fromCache: result.fromCache,
            keyVaultMs: timing.keyVaultMs,
            tokenMs: performance.now() - started,
        };
        return { token, app };
    }

    /** A new application has an empty cache, so tokens issued under another credential are never served from it. */
    #newApp(credential: GraphCredential): ConfidentialClientApplication {
        const { tenantId, clientId, authorityHost, logger } = this.#options;
        return new ConfidentialClientApplication({
            auth: { clientId, ...msalAuthority(authorityHost, tenantId).options, ...credential.msal },
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
