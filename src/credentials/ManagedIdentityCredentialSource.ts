import type { AccessToken, TokenCredential } from '@azure/identity';
import { decodeJwt } from 'jose';
import { TokenError } from '../errors/errorClasses.js';
import { registerSensitiveValue } from '../errors/sanitizeText.js';
import { aadstsCodeOf } from '../token/toTokenError.js';
import type { CredentialFacts, GraphCredential, GraphCredentialSource } from './GraphCredential.js';

export interface ManagedIdentityCredentialSourceOptions {
    /** A ManagedIdentityCredential for the user-assigned identity (AZURE_CLIENT_ID). */
    readonly identity: TokenCredential;
    readonly identityClientId: string;
    /** The federation audience for this cloud (see federationAudience). */
    readonly audience: string;
    readonly timeoutMs?: number;
    readonly now?: () => number;
}

/** Refresh this long before expiry: MSAL treats tokens as expired 5 minutes early, and so do we. */
const EXPIRY_MARGIN_MS = 5 * 60_000;
/** AADSTS70021: no matching federated identity record; Entra ID answers it while a new one propagates. */
const AADSTS_NO_MATCHING_FEDERATED_RECORD = 70021;
/**
 * `xms_mirid`, the managed identity's resource id in its tokens: a user-assigned identity's is a
 * Microsoft.ManagedIdentity/userAssignedIdentities resource, a system-assigned one's the site itself.
 */
const USER_ASSIGNED_RESOURCE = /\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\//i;

/**
 * `managedIdentity`: no secret anywhere. The user-assigned identity's token for the federation audience
 * is the client assertion (workload identity federation, the identity as a federated credential of the app).
 *
 * MSAL calls the assertion callback on every acquireTokenByClientCredential, cached Graph token or not
 * (msal-node ClientApplication.buildOauthClientConfiguration → getClientAssertion). ManagedIdentityCredential
 * does cache (msal-node ManagedIdentityApplication keeps a static cache; warm calls make no request), but
 * concurrent cold calls each go to the endpoint and each warm call still pays a cache lookup. So the token
 * is kept here until 5 minutes before it expires (or its refresh time), with one request in flight at a time;
 * the identity library fetches the next one.
 */
export class ManagedIdentityCredentialSource implements GraphCredentialSource {
    readonly kind = 'managedIdentity';
    readonly #options: ManagedIdentityCredentialSourceOptions;
    readonly #now: () => number;
    readonly #credential: GraphCredential;
    #cached: { readonly token: string; readonly refreshAt: number } | undefined;
    #inFlight: Promise<string> | undefined;
    #federation: CredentialFacts['federation'];

    constructor(options: ManagedIdentityCredentialSourceOptions) {
        this.#options = options;
        this.#now = options.now ?? Date.now;
        const description = `managed identity ${options.identityClientId} as a federated credential (audience ${options.audience})`;
        this.#credential = {
            key: `managedIdentity:${options.identityClientId}`,
            msal: { clientAssertion: () => this.assertion() },
            facts: () => ({
                kind: this.kind,
                description,
                identityClientId: options.identityClientId,
                ...(this.#federation === undefined ? {} : { federation: this.#federation }),
            }),
        };
    }

    getCredential(): Promise<GraphCredential> {
        // The identity library refreshes the token itself: one credential value for the process's lifetime.
        return Promise.resolve(this.#credential);
    }

    /** One identity, no versions: nothing earlier to fall back to. */
    getEarlierCredential(): Promise<GraphCredential | undefined> {
        return Promise.resolve(undefined);
    }

    /** The identity's token for the federation audience, from this cache while it is fresh. */
    assertion(): Promise<string> {
        if (this.#cached !== undefined && this.#now() < this.#cached.refreshAt) return Promise.resolve(this.#cached.token);
        this.#inFlight ??= this.#fetch().finally(() => {
            this.#inFlight = undefined;
        });
        return this.#inFlight;
    }

    isStaleCredentialError(): boolean {
        return false;
    }

    isPropagationError(error: unknown): boolean {
        return aadstsCodeOf(error) === AADSTS_NO_MATCHING_FEDERATED_RECORD;
    }

    async #fetch(): Promise<string> {
        const { identity, audience, identityClientId, timeoutMs = 15_000 } = this.#options;
        let token: AccessToken | null;
        let failure: unknown = new Error('the identity library returned no token');
        try {
            token = await identity.getToken(`${audience}/.default`, { abortSignal: AbortSignal.timeout(timeoutMs) });
        } catch (error) {
            token = null;
            failure = error;
        }
        if (token === null) {
            const error = failure;
            throw new TokenError(
                'TokenManagedIdentityUnavailable',
                `The managed identity ${identityClientId} could not get a token for ${audience}: ${error instanceof Error ? error.message : String(error)}`,
                {
                    cause: error,
                    hint: 'Assign the user-assigned managed identity to the function app and set AZURE_CLIENT_ID to its client id (Bicep does both); check that the identity endpoint (IDENTITY_ENDPOINT) is reachable.',
                },
            );
        }
        registerSensitiveValue(token.token, 'token');
        this.#federation = this.#inspect(token.token);
        const refreshAt = Math.min(token.refreshAfterTimestamp ?? Infinity, token.expiresOnTimestamp - EXPIRY_MARGIN_MS);
        this.#cached = { token: token.token, refreshAt };
        return token.token;
    }

    /** Reads what the token presents (not secret) and refuses a system-assigned identity's before Entra ID does. */
    #inspect(token: string): CredentialFacts['federation'] {
        let claims: Record<string, unknown>;
        try {
            claims = decodeJwt(token);
        } catch {
            return undefined;
        }
        const text = (value: unknown): string => (typeof value === 'string' ? value : Array.isArray(value) ? value.join(' ') : '');
        const resourceId = text(claims.xms_mirid);
        if (resourceId !== '' && !USER_ASSIGNED_RESOURCE.test(resourceId)) {
            throw new TokenError(
                'TokenSystemAssignedIdentity',
                `AZURE_CLIENT_ID ${this.#options.identityClientId} names a system-assigned managed identity (${resourceId}); a system-assigned identity cannot be a federated credential.`,
                {
                    hint: 'Create a user-assigned managed identity, assign it to the function app, add it as a federated credential of the app registration, and set AZURE_CLIENT_ID to its client id.',
                },
            );
        }
        return { issuer: text(claims.iss), subject: text(claims.sub), audience: text(claims.aud) };
    }
}
