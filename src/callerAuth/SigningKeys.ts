import {
    createLocalJWKSet,
    createRemoteJWKSet,
    errors,
    jwksCache,
    type CompactJWSHeaderParameters,
    type CryptoKey,
    type ExportedJWKSCache,
    type FlattenedJWSInput,
    type JWKSCacheInput,
} from 'jose';
import { CallerAuthUnavailableError } from '../errors/errorClasses.js';
import type { Logger } from '../logging/Logger.js';
import { ENTRA_METADATA_FETCH_TIMEOUT_MS, ENTRA_METADATA_RETRY_AFTER_SECONDS } from './entraMetadataRequests.js';

/**
 * Keys are read again after this long. Entra ID rolls its signing keys and calls checking every 24
 * hours reasonable (learn.microsoft.com/entra/identity-platform/access-tokens, "Validate the
 * signature"); twice as often drops a withdrawn key sooner.
 */
export const SIGNING_KEYS_MAX_AGE_MS = 12 * 60 * 60 * 1000;
/** A token with a key id the cached set lacks makes one refetch, then none for this long (jose's cooldownDuration). */
export const SIGNING_KEYS_COOLDOWN_MS = 30_000;

export interface SigningKeysOptions {
    /** `{AUTHORITY_HOST}/{tenant}/discovery/v2.0/keys`. */
    readonly jwksUrl: URL;
    readonly logger?: Logger;
    readonly now?: () => number;
}

/**
 * The tenant's token signing keys, for jose's jwtVerify: jose's remote key set (cached, one fetch
 * for concurrent callers, one refetch per unknown key id after the cool-down) plus what it lacks:
 * when a scheduled re-read fails, the last key set read keeps verifying tokens signed with its keys,
 * and the endpoint is left alone for a few seconds instead of being asked once per request. A key
 * id that only a fresh read could confirm is then a 503, never a 401 that blames the caller.
 */
type GetKey = (header: CompactJWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

export class SigningKeys {
    /** For jose's jwtVerify. */
    readonly getKey: GetKey;
    readonly #remote: GetKey;
    /** jose writes each key set it fetched here (`uat`, `jwks`). */
    readonly #cache: JWKSCacheInput = {};
    readonly #url: string;
    readonly #logger: Logger | undefined;
    readonly #now: () => number;
    #lastGood: { readonly readAt: number; readonly keys: GetKey } | undefined;
    #failedAt: number | undefined;

    constructor(options: SigningKeysOptions) {
        this.#url = options.jwksUrl.href;
        this.#logger = options.logger;
        this.#now = options.now ?? Date.now;
        this.#remote = createRemoteJWKSet(options.jwksUrl, {
            cacheMaxAge: SIGNING_KEYS_MAX_AGE_MS,
            cooldownDuration: SIGNING_KEYS_COOLDOWN_MS,
            timeoutDuration: ENTRA_METADATA_FETCH_TIMEOUT_MS,
            [jwksCache]: this.#cache,
        });
        this.getKey = (header, token) => this.#key(header, token);
    }

    async #key(header: CompactJWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
        const now = this.#now();
        if (this.#failedAt !== undefined && now - this.#failedAt < ENTRA_METADATA_RETRY_AFTER_SECONDS * 1000) {
            return this.#fromLastGood(header, token);
        }
        try {
            const key = await this.#remote(header, token);
            this.#remember();
            this.#failedAt = undefined;
            return key;
        } catch (error) {
            this.#remember();
            // A key id the (fresh enough) set lacks is the token's problem; anything else is reading the set.
            if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
            this.#failedAt = now;
            const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
            this.#logger?.warn(
                `Could not read the tenant's token signing keys from ${this.#url} (${reason}). ${
                    this.#lastGood === undefined
                        ? 'No key set was read before'
                        : 'Tokens signed with the keys read before are still accepted'
                }; the next attempt is in ${ENTRA_METADATA_RETRY_AFTER_SECONDS} s. Check AUTHORITY_HOST, GRAPH_TENANT_ID and outbound network rules.`,
            );
            return this.#fromLastGood(header, token);
        }
    }

    /** Keeps a local copy of each key set jose fetched, to fall back on when a later read fails. */
    #remember(): void {
        const { uat, jwks } = this.#cache as Partial<ExportedJWKSCache>;
        if (uat === undefined || jwks === undefined || this.#lastGood?.readAt === uat) return;
        this.#lastGood = { readAt: uat, keys: createLocalJWKSet(jwks) };
    }

    async #fromLastGood(header: CompactJWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
        const unavailable = (why: string): CallerAuthUnavailableError =>
            new CallerAuthUnavailableError(`Caller tokens cannot be checked: ${why}.`, {
                hint: `Make sure the function app reaches ${this.#url} (AUTHORITY_HOST and GRAPH_TENANT_ID name the tenant's Entra ID); callers are told to retry.`,
                retryAfterSeconds: ENTRA_METADATA_RETRY_AFTER_SECONDS,
            });
        if (this.#lastGood === undefined) throw unavailable(`the tenant's signing keys could not be read from ${this.#url}`);
        try {
            return await this.#lastGood.keys(header, token);
        } catch (error) {
            if (error instanceof errors.JWKSNoMatchingKey) {
                throw unavailable(
                    `the token's key id is not among the keys read before, and ${this.#url} could not be read again to look for it`,
                );
            }
            throw error;
        }
    }
}
