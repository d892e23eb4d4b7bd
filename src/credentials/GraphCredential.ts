import type { NodeAuthOptions } from '@azure/msal-node';
import type { GraphCredentialKind } from '../config/CoreSettings.js';

/** Facts about a credential that may be logged and put in errors: never the secret, key or assertion itself. */
export interface CredentialFacts {
    readonly kind: GraphCredentialKind;
    /** e.g. `client secret version 3f2a…` or `certificate thumbprint (SHA-1) 9A…, Key Vault version 3f2a…`. */
    readonly description: string;
    /** Certificate mode: the SHA-1 thumbprint Entra ID names in AADSTS700027, upper-case hex. */
    readonly thumbprintSha1?: string;
    /** Managed identity mode: what the identity's token presented to Entra ID (read from its claims, not secrets). */
    readonly federation?: { readonly issuer: string; readonly subject: string; readonly audience: string };
    /** Managed identity mode: the identity's client id (AZURE_CLIENT_ID). */
    readonly identityClientId?: string;
}

/** One credential value: what MSAL is built with, and how to tell it apart from the next one. */
export interface GraphCredential {
    /** Identifies the value (never logged): a different key means a new MSAL application, with an empty cache. */
    readonly key: string;
    /** The part of MSAL's `auth` options that carries the credential. */
    readonly msal: Pick<NodeAuthOptions, 'clientSecret' | 'clientCertificate' | 'clientAssertion'>;
    /** The Key Vault version it was read from; undefined with the managed identity. */
    readonly vaultVersion?: string;
    facts(): CredentialFacts;
}

/**
 * A kind of credential: the token module asks it for the current value, and asks again past any cache
 * (`refresh`) when Entra ID rejected the one it had and the kind says a re-read can fix that (a rotation).
 */
export interface GraphCredentialSource {
    readonly kind: GraphCredentialKind;
    getCredential(options?: { readonly refresh?: boolean }): Promise<GraphCredential>;
    /**
     * The value a rotation replaced: the newest Key Vault version before `newer`'s that is enabled and valid, or
     * undefined (none, or a kind without versions). Read while Entra ID does not accept `newer` yet.
     */
    getEarlierCredential(newer: GraphCredential): Promise<GraphCredential | undefined>;
    /** Entra ID rejected this credential in a way a newer value (rotated in Key Vault) can fix. */
    isStaleCredentialError(error: unknown): boolean;
    /** Entra ID has not caught up with a new registration yet (fresh federated credential): retry with backoff. */
    isPropagationError(error: unknown): boolean;
}
