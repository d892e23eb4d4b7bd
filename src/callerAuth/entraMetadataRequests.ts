/**
 * Reading Entra ID's metadata (the signing keys, a tenant's OpenID configuration) on a caller's
 * request: after a failed read the endpoint is not asked again for ENTRA_METADATA_RETRY_AFTER_SECONDS,
 * and callers are told to retry after it; one read waits at most ENTRA_METADATA_FETCH_TIMEOUT_MS.
 */
export const ENTRA_METADATA_RETRY_AFTER_SECONDS = 10;
export const ENTRA_METADATA_FETCH_TIMEOUT_MS = 5_000;
