/** The app registration's client secret as read from Key Vault. `value` must never be logged. */
export interface ClientSecret {
    readonly value: string;
    /** Key Vault version id: safe to log, tells operators which rotation is in use. */
    readonly version: string;
}

export interface ClientSecretSource {
    /** `refresh: true` bypasses the cache (used after Entra rejected the cached secret). */
    getSecret(options?: { readonly refresh?: boolean }): Promise<ClientSecret>;
}
