import type { ExportMode, SnapshotManifest } from '../../export/SnapshotManifest.js';
import type { GraphRequestStats } from '../../graph/GraphUser.js';
import type { Logger } from '../../logging/Logger.js';

export interface InvocationSummary {
    readonly invocationId: string;
    readonly trigger: 'http' | 'timer';
    readonly outcome: 'success' | 'failure';
    readonly status?: number;
    readonly users: number;
    readonly pages: number;
    readonly stats: GraphRequestStats;
    readonly durationMs: number;
    readonly errorCode?: string;
    /** HTTP: `entraId` (a verified access token with the app role) or `functionKey` (the host's key alone). */
    readonly auth?: 'entraId' | 'functionKey';
    /** HTTP with `entraId`: who called (or was refused a 403), from the verified token; never the token itself. */
    readonly caller?: {
        readonly oid: string | null;
        /** `appid` (v1 token) or `azp` (v2): the client application. */
        readonly appId: string;
        readonly tid: string;
        readonly type: 'application' | 'user';
        /** The app role that authorized the call; null when the token lacked it (403). */
        readonly role: string | null;
        readonly tokenVersion: '1.0' | '2.0';
    };
    /** Timer runs: what the export wrote; `.../content`: the snapshot the download link was signed for. */
    readonly snapshot?: WrittenSnapshot | LinkedSnapshot;
}

/** The snapshot a download link reads. */
export type LinkedSnapshot = Pick<SnapshotManifest, 'runId' | 'blobName' | 'userCount' | 'bytes' | 'sha256'>;

/** What a timer run wrote. */
export type WrittenSnapshot = LinkedSnapshot &
    Pick<SnapshotManifest, 'fullReadReason'> & {
        readonly mode: ExportMode;
        /** Users Graph sent more than once in this run. */
        readonly duplicates: number;
        /** Incremental runs: net changes applied to the base snapshot. */
        readonly added?: number;
        readonly updated?: number;
        readonly removed?: number;
        /** Snapshots and change files removed by retention; absent when retention failed (see the warning line). */
        readonly deletedSnapshots?: number;
    };

/** One structured line per invocation, the line operators query in Application Insights. */
export function logInvocationSummary(logger: Logger, summary: InvocationSummary): void {
    const { stats, ...rest } = summary;
    const line = JSON.stringify({
        event: 'graphUsers.invocation',
        ...rest,
        graphRequests: stats.requests,
        retries: stats.retries,
        tokenRefreshes: stats.tokenRefreshes,
        failedGraphRequestIds: stats.failedRequestIds,
        keyVaultMs: Math.round(stats.keyVaultMs),
        tokenMs: Math.round(stats.tokenMs),
        graphMs: Math.round(stats.graphMs),
    });
    // A refused or malformed request (4xx) is the caller's, not a fault of the app: a warning, so anyone
    // probing an anonymous route cannot fill the errors. Traces are excluded from sampling (host.json), so
    // warnings are all kept.
    if (summary.outcome === 'success') logger.info(line);
    else if (summary.status !== undefined && summary.status < 500) logger.warn(line);
    else logger.error(line);
}
