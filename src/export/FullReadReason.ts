/**
 * Why a run read the whole directory instead of only the changes: a stable code (in the log line,
 * the manifest's `fullReadReason` and the invocation summary) and what it means.
 */
export const fullReadReasons = {
    forced: 'a full read was asked for (graph-users export --full)',
    noState: `there is no delta state yet (first run, or the state was deleted)`,
    stateUnreadable: 'the delta state could not be read (not JSON, or written by another version)',
    tenantChanged: 'GRAPH_TENANT_ID differs from the tenant the delta state was taken in',
    selectChanged: 'USERS_EXPORT_SELECT changed since the delta state was taken',
    graphEndpointChanged: 'GRAPH_ENDPOINT changed since the delta state was taken',
    fullReadDue: 'the last full read is older than USERS_EXPORT_FULL_EVERY_DAYS',
    deltaTokenExpired: 'Graph answered that the delta token expired (syncStateNotFound, 410 Gone or resyncRequired)',
    deltaTokenRejected: 'Graph refused the stored deltaLink outright (400 or 404 to its first request)',
    baseSnapshotMissing: 'the snapshot the delta state applies to is gone',
    baseSnapshotCorrupt: 'the snapshot the delta state applies to failed its sha256 check or could not be read as NDJSON',
    tooManyChanges: 'the changes exceeded what an incremental run holds in memory',
} as const;

export type FullReadReason = keyof typeof fullReadReasons;

export function isFullReadReason(value: unknown): value is FullReadReason {
    return typeof value === 'string' && Object.hasOwn(fullReadReasons, value);
}
