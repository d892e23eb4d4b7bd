/** A Key Vault secret as read: the client secret, or a certificate's secret. `value` must never be logged. */
export interface ClientSecret {
    readonly value: string;
    /** Key Vault version id: safe to log, tells operators which rotation is in use. */
    readonly version: string;
    /** Key Vault's content type, e.g. `application/x-pkcs12` for a certificate's secret; undefined when unset. */
    readonly contentType: string | undefined;
}

export interface ClientSecretSource {
    /** `refresh: true` bypasses the cache (used after Entra rejected the cached secret). */
    getSecret(options?: { readonly refresh?: boolean }): Promise<ClientSecret>;
    /**
     * The newest version created before `version` that is enabled and within its validity, or undefined when there
     * is none: what a rotation replaced, while Entra ID does not accept the new one yet. Not cached.
     */
    getEarlierSecret(version: string): Promise<ClientSecret | undefined>;
}
