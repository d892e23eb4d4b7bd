import { ExportError } from '../errors/errorClasses.js';
import { parseJsonObject } from '../json/parseJsonObject.js';
import { isFullReadReason, type FullReadReason } from './FullReadReason.js';
import { isRunBlobName } from './snapshotName.js';

/**
 * Bumped only on incompatible changes; readers must check it. The delta fields (`mode` and after)
 * were added without a bump: every field a version-1 reader knows keeps its meaning (`blobName`
 * is still a complete snapshot), so such readers keep working. A reader that needs `mode` treats
 * a manifest without it as a full read, which is what it was.
 */
export const MANIFEST_SCHEMA_VERSION = 1;
export const MANIFEST_NAME = 'latest.json';

export type ExportMode = 'full' | 'incremental';

/** A stored file the manifest points at. */
export interface StoredFile {
    readonly blobName: string;
    /** Size of the stored bytes (compressed when gzip is on). */
    readonly bytes: number;
    /** Lowercase hex sha256 of the stored bytes. */
    readonly sha256: string;
}

/** The snapshot an incremental run started from. */
export interface BaseSnapshot {
    readonly runId: string;
    readonly blobName: string;
    readonly sha256: string;
}

/** An incremental run's net changes to its base, and the change file that lists them. */
export interface ChangeSummary extends StoredFile {
    readonly added: number;
    readonly updated: number;
    readonly removed: number;
}

/** `latest.json`: written only after the snapshot it names was committed. */
export interface SnapshotManifest {
    readonly schemaVersion: typeof MANIFEST_SCHEMA_VERSION;
    readonly runId: string;
    /** Path of the snapshot inside the container (or folder), e.g. `snapshots/2025/03/14/<runId>.ndjson`. */
    readonly blobName: string;
    readonly contentType: string;
    readonly gzip: boolean;
    readonly userCount: number;
    /** Graph pages read: `/users` pages in a full run, delta pages in an incremental one. */
    readonly pageCount: number;
    /** Size of the stored bytes (compressed when gzip is on). */
    readonly bytes: number;
    /** Lowercase hex sha256 of the stored bytes (compressed when gzip is on). */
    readonly sha256: string;
    /** The properties every line holds, `id` first among them or not. */
    readonly select: readonly string[];
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly durationMs: number;
    readonly graphRequests: number;
    /** Absent in manifests written before incremental exports existed: those were full reads. */
    readonly mode?: ExportMode;
    /** Full runs: why the whole directory was read. */
    readonly fullReadReason?: FullReadReason;
    /** Users Graph sent more than once in this run (written once: the first in a full read, the last in a delta round). */
    readonly duplicates?: number;
    /** Incremental runs: the snapshot the changes were applied to. */
    readonly base?: BaseSnapshot;
    /** Incremental runs: the net changes and the change file (`changes/YYYY/MM/DD/<runId>.ndjson[.gz]`). */
    readonly changes?: ChangeSummary;
}

type FieldType = 'string' | 'number' | 'boolean' | 'array';

const FIELD_TYPES: Readonly<Record<string, FieldType>> = {
    schemaVersion: 'number',
    runId: 'string',
    blobName: 'string',
    contentType: 'string',
    gzip: 'boolean',
    userCount: 'number',
    pageCount: 'number',
    bytes: 'number',
    sha256: 'string',
    select: 'array',
    startedAt: 'string',
    finishedAt: 'string',
    durationMs: 'number',
    graphRequests: 'number',
};

const BASE_TYPES: Readonly<Record<keyof BaseSnapshot, FieldType>> = { runId: 'string', blobName: 'string', sha256: 'string' };
const CHANGES_TYPES: Readonly<Record<keyof ChangeSummary, FieldType>> = {
    blobName: 'string',
    bytes: 'number',
    sha256: 'string',
    added: 'number',
    updated: 'number',
    removed: 'number',
};

/** The first field of `record` that is missing or not of its type, or undefined. */
function badField(record: Record<string, unknown>, types: Readonly<Record<string, FieldType>>): string | undefined {
    for (const [field, type] of Object.entries(types)) {
        const value = record[field];
        if (type === 'array' ? !Array.isArray(value) : typeof value !== type) return `"${field}" is missing or not a ${type}`;
    }
    return undefined;
}

function badNested(record: Record<string, unknown>, field: string, types: Readonly<Record<string, FieldType>>): string | undefined {
    const value = record[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || value === null) return `"${field}" is not an object`;
    const bad = badField(value as Record<string, unknown>, types);
    return bad === undefined ? undefined : `"${field}": ${bad}`;
}

const NOT_OURS = 'is not a snapshot name this app writes for its run';

/** The first blob name (of a type-checked manifest) that is not the one this app writes for its run, or undefined. */
function badBlobName(m: SnapshotManifest): string | undefined {
    if (!isRunBlobName(m.blobName, 'snapshots', m.runId, m.gzip)) return `"blobName" ${NOT_OURS}`;
    if (m.base !== undefined && !isRunBlobName(m.base.blobName, 'snapshots', m.base.runId)) return `"base": "blobName" ${NOT_OURS}`;
    if (m.changes !== undefined && !isRunBlobName(m.changes.blobName, 'changes', m.runId, m.gzip)) {
        return `"changes": "blobName" ${NOT_OURS}`;
    }
    return undefined;
}

/**
 * Parses `latest.json`, refusing anything this version did not write: an unknown schemaVersion, a
 * mistyped field, or a blob name other than the app's own for that run (a forged manifest must not
 * get a reader to sign a link for `keys/page-tokens.json` or any other blob).
 */
export function parseManifest(text: string, location: string): SnapshotManifest {
    const invalid = (why: string): ExportError =>
        new ExportError('ExportFailed', `${location} is not a valid users export manifest: ${why}.`, {
            status: 500,
            hint: 'Delete it (the next export writes a new one) or restore it from a backup.',
        });
    const record = parseJsonObject(text);
    if (record === undefined) throw invalid('not a JSON object');
    if (record.schemaVersion !== MANIFEST_SCHEMA_VERSION) throw invalid(`unsupported schemaVersion ${String(record.schemaVersion)}`);
    const bad =
        badField(record, FIELD_TYPES) ??
        badNested(record, 'base', BASE_TYPES) ??
        badNested(record, 'changes', CHANGES_TYPES) ??
        (record.mode === undefined || record.mode === 'full' || record.mode === 'incremental'
            ? undefined
            : '"mode" is not full or incremental') ??
        (record.fullReadReason === undefined || isFullReadReason(record.fullReadReason) ? undefined : '"fullReadReason" is unknown') ??
        (record.duplicates === undefined || typeof record.duplicates === 'number' ? undefined : '"duplicates" is not a number');
    if (bad !== undefined) throw invalid(bad);
    const manifest = record as unknown as SnapshotManifest;
    const badName = badBlobName(manifest);
    if (badName !== undefined) throw invalid(badName);
    return manifest;
}
