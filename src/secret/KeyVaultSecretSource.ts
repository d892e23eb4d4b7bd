import type { KeyVaultSecret, SecretProperties } from '@azure/keyvault-secrets';
import { registerSensitiveValue } from '../errors/sanitizeText.js';
import type { ClientSecret, ClientSecretSource } from './ClientSecret.js';
import { toSecretError, type SecretPurpose } from './toSecretError.js';

/** The part of `SecretClient` used here, so unit tests can pass a stand-in without a vault. */
export interface SecretReader {
    getSecret(name: string, options?: { version?: string; abortSignal?: AbortSignal }): Promise<KeyVaultSecret>;
    /** Metadata of every version, no values (Key Vault Secrets User includes it: secrets/readMetadata). */
    listPropertiesOfSecretVersions(name: string, options?: { abortSignal?: AbortSignal }): AsyncIterable<SecretProperties>;
}

/**
 * Versions read from the listing at most. Key Vault pages versions 25 at a time in an order that is
 * not chronological (Azure/azure-sdk-for-python#35923), so the version given and the one it replaced
 * may come last: the whole listing is read, bounded by this count and the read timeout.
 */
const MAX_VERSIONS_LISTED = 10_000;

export interface KeyVaultSecretSourceOptions {
    readonly reader: SecretReader;
    readonly vaultUrl: string;
    readonly secretName: string;
    /** What the secret holds, for the errors' fixes; default: the client secret. */
    readonly purpose?: SecretPurpose;
    readonly ttlSeconds: number;
    /** Who reads the vault, named in the "grant this role" hint. */
    readonly identityDescription: string;
    readonly timeoutMs?: number;
    readonly now?: () => number;
}

/**
 * Reads a secret (the client secret, or a certificate's secret) from Key Vault, reuses it for the TTL, and lets concurrent callers
 * share one in-flight read so a cold burst makes exactly one vault request.
 */
export class KeyVaultSecretSource implements ClientSecretSource {
    readonly #options: KeyVaultSecretSourceOptions;
    readonly #now: () => number;
    #cached: { secret: ClientSecret; expiresAt: number } | undefined;
    #inFlight: { readonly promise: Promise<ClientSecret>; readonly refresh: boolean } | undefined;
    #reads = 0;

    constructor(options: KeyVaultSecretSourceOptions) {
        this.#options = options;
        this.#now = options.now ?? Date.now;
    }

    /** Number of vault reads made, for the invocation summary and tests. */
    get reads(): number {
        return this.#reads;
    }

    async getSecret(options: { readonly refresh?: boolean } = {}): Promise<ClientSecret> {
        if (options.refresh !== true && this.#cached !== undefined && this.#now() < this.#cached.expiresAt) {
            return this.#cached.secret;
        }
        const refresh = options.refresh === true;
        // Join a read under way, unless this is a refresh and that read may predate the rejection.
        if (this.#inFlight !== undefined && (this.#inFlight.refresh || !refresh)) return this.#inFlight.promise;
        const previous = this.#inFlight?.promise.catch(() => undefined);
        const promise: Promise<ClientSecret> = (previous === undefined ? this.#read() : previous.then(() => this.#read())).finally(() => {
            if (this.#inFlight?.promise === promise) this.#inFlight = undefined;
        });
        this.#inFlight = { promise, refresh };
        return promise;
    }

    async getEarlierSecret(version: string): Promise<ClientSecret | undefined> {
        const { reader, secretName, timeoutMs = 15_000 } = this.#options;
        const versions: SecretProperties[] = [];
        try {
            for await (const properties of reader.listPropertiesOfSecretVersions(secretName, {
                abortSignal: AbortSignal.timeout(timeoutMs),
            })) {
                versions.push(properties);
                if (versions.length >= MAX_VERSIONS_LISTED) break;
            }
        } catch (error) {
            throw toSecretError(error, this.#options);
        }
        const created = versions.find((v) => v.version === version)?.createdOn?.getTime();
        if (created === undefined) return undefined;
        const now = this.#now();
        // Key Vault lists versions in no promised order; `created` (one-second resolution) orders them. A version
        // created in the same second is not known to be earlier.
        const usable = versions.filter(
            (v) =>
                v.version !== undefined &&
                v.enabled !== false &&
                (v.createdOn?.getTime() ?? Infinity) < created &&
                (v.expiresOn === undefined || v.expiresOn.getTime() > now) &&
                (v.notBefore === undefined || v.notBefore.getTime() <= now),
        );
        const earlier = usable.sort((a, b) => (b.createdOn?.getTime() ?? 0) - (a.createdOn?.getTime() ?? 0))[0]?.version;
        return earlier === undefined ? undefined : this.#fetch(earlier);
    }

    async #read(): Promise<ClientSecret> {
        const result = await this.#fetch(undefined);
        this.#cached = { secret: result, expiresAt: this.#now() + this.#options.ttlSeconds * 1000 };
        return result;
    }

    /** One version (undefined: the latest). */
    async #fetch(version: string | undefined): Promise<ClientSecret> {
        const { reader, secretName, timeoutMs = 15_000 } = this.#options;
        this.#reads += 1;
        let secret: KeyVaultSecret;
        try {
            secret = await reader.getSecret(secretName, {
                ...(version === undefined ? {} : { version }),
                abortSignal: AbortSignal.timeout(timeoutMs),
            });
        } catch (error) {
            throw toSecretError(error, this.#options);
        }
        const value = secret.value;
        if (value === undefined || value === '') {
            throw toSecretError({ secretEmpty: true }, this.#options);
        }
        registerSensitiveValue(value);
        return { value, version: secret.properties.version ?? 'unknown', contentType: secret.properties.contentType };
    }
}
