import { parseJsonObject } from '../json/parseJsonObject.js';
import { isRunBlobName } from './snapshotName.js';

export const DELTA_STATE_NAME = 'delta-state.json';
/** 2: the state records the tenant it was taken in. A state of another version is not read (the run reads everything). */
export const DELTA_STATE_SCHEMA_VERSION = 2;

/** The snapshot a deltaLink applies to: the base the next incremental run merges its changes into. */
export interface DeltaBase {
    readonly runId: string;
    readonly blobName: string;
    readonly sha256: string;
    readonly bytes: number;
    readonly gzip: boolean;
    readonly userCount: number;
}

/**
 * `delta-state.json`, next to `latest.json`: where the next run continues. The deltaLink is a
 * bearer-grade cursor (with a Graph token it reads every change to the directory), so the state
 * is never logged, returned or printed, and lives only in the export's private container.
 */
export interface DeltaState {
    readonly schemaVersion: typeof DELTA_STATE_SCHEMA_VERSION;
    /**
     * GRAPH_TENANT_ID when the deltaLink was taken: with the deltaLink's origin (the Graph endpoint),
     * the directory it reads. Another tenant's deltaLink and base are never continued from.
     */
    readonly tenantId: string;
    readonly deltaLink: string;
    /** The `$select` the deltaLink was made with: Graph tracks only these properties. */
    readonly select: readonly string[];
    /** When the deltaLink was taken (before the read it belongs to). */
    readonly deltaLinkAt: string;
    /** When the last full read started; incremental runs carry it forward (USERS_EXPORT_FULL_EVERY_DAYS). */
    readonly lastFullReadAt: string;
    readonly snapshot: DeltaBase;
}

/** Parses the state; throws an Error saying what is wrong (never quoting the text, which holds the deltaLink). */
export function parseDeltaState(text: string): DeltaState {
    const r = parseJsonObject(text);
    if (r === undefined) throw new Error('not a JSON object');
    if (r.schemaVersion !== DELTA_STATE_SCHEMA_VERSION) throw new Error(`unsupported schemaVersion ${typeof r.schemaVersion}`);
    if (typeof r.tenantId !== 'string' || r.tenantId === '') throw new Error('no tenantId');
    if (typeof r.deltaLink !== 'string' || r.deltaLink === '') throw new Error('no deltaLink');
    if (!Array.isArray(r.select) || !r.select.every((s) => typeof s === 'string')) throw new Error('no select list');
    for (const field of ['deltaLinkAt', 'lastFullReadAt'] as const) {
        if (typeof r[field] !== 'string' || Number.isNaN(Date.parse(r[field]))) throw new Error(`"${field}" is not a date`);
    }
    const s = (typeof r.snapshot === 'object' && r.snapshot !== null ? r.snapshot : {}) as Record<string, unknown>;
    const ok =
        typeof s.runId === 'string' &&
        typeof s.blobName === 'string' &&
        typeof s.sha256 === 'string' &&
        typeof s.gzip === 'boolean' &&
        Number.isSafeInteger(s.bytes) &&
        Number.isSafeInteger(s.userCount) &&
        // The base is read (and kept by retention): only a snapshot this app wrote for that run.
        isRunBlobName(s.blobName, 'snapshots', s.runId, s.gzip);
    if (!ok) throw new Error('no valid "snapshot"');
    return r as unknown as DeltaState;
}
