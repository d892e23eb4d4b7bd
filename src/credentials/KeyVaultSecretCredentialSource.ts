import type { ClientSecret, ClientSecretSource } from '../secret/ClientSecret.js';
import { aadstsCodeOf } from '../token/toTokenError.js';
import type { GraphCredential, GraphCredentialSource } from './GraphCredential.js';

/** AADSTS7000215: invalid client secret; AADSTS7000222: expired. A rotated secret in the vault fixes both. */
const STALE_SECRET_CODES = new Set([7000215, 7000222]);

/** `keyVaultSecret`: the client secret, read from Key Vault (cached for SECRET_CACHE_TTL_SECONDS). */
export class KeyVaultSecretCredentialSource implements GraphCredentialSource {
    readonly kind = 'keyVaultSecret';
    readonly #secrets: ClientSecretSource;

    constructor(secrets: ClientSecretSource) {
        this.#secrets = secrets;
    }

    async getCredential(options: { readonly refresh?: boolean } = {}): Promise<GraphCredential> {
        return this.#credentialOf(await this.#secrets.getSecret(options));
    }

    async getEarlierCredential(newer: GraphCredential): Promise<GraphCredential | undefined> {
        if (newer.vaultVersion === undefined) return undefined;
        const secret = await this.#secrets.getEarlierSecret(newer.vaultVersion);
        return secret === undefined ? undefined : this.#credentialOf(secret);
    }

    #credentialOf(secret: ClientSecret): GraphCredential {
        const description = `client secret version ${secret.version}`;
        return {
            key: secret.value,
            msal: { clientSecret: secret.value },
            vaultVersion: secret.version,
            facts: () => ({ kind: this.kind, description }),
        };
    }

    isStaleCredentialError(error: unknown): boolean {
        const code = aadstsCodeOf(error);
        return (
            (error as { errorCode?: unknown } | undefined)?.errorCode === 'invalid_client' ||
            (code !== undefined && STALE_SECRET_CODES.has(code))
        );
    }

    isPropagationError(): boolean {
        return false;
    }
}
