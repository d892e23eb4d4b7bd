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
}
