/** A user as Graph returns it; the properties present depend on `$select`. */
export interface GraphUser {
    readonly id: string;
    readonly [property: string]: unknown;
}

export interface UsersPage {
    readonly users: readonly GraphUser[];
    /** Absent on the last page. Already checked to point at the configured Graph origin. */
    readonly nextLink: string | undefined;
    readonly requestId: string | undefined;
}

/** Per-operation counters, reported in the invocation summary. */
export interface GraphRequestStats {
    requests: number;
    retries: number;
    tokenRefreshes: number;
    failedRequestIds: string[];
    /** Time spent waiting for Key Vault, for Entra ID and for Graph, summed over requests. */
    keyVaultMs: number;
    tokenMs: number;
    graphMs: number;
}

export function createGraphRequestStats(): GraphRequestStats {
    return { requests: 0, retries: 0, tokenRefreshes: 0, failedRequestIds: [], keyVaultMs: 0, tokenMs: 0, graphMs: 0 };
}
