import { ExportError } from '../errors/errorClasses.js';
import { parseJsonObject } from '../json/parseJsonObject.js';

/** Bumped only on incompatible changes; readers must check it. */
export const MANIFEST_SCHEMA_VERSION = 1;
export const MANIFEST_NAME = 'latest.json';

/** `latest.json`: written only after the snapshot it names was committed. */
export interface SnapshotManifest {
    readonly schemaVersion: typeof MANIFEST_SCHEMA_VERSION;
    readonly runId: string;
    /** Path of the snapshot inside the container (or folder), e.g. `snapshots/2025/03/14/<runId>.ndjson`. */
    readonly blobName: string;
    readonly contentType: string;
    readonly gzip: boolean;
    readonly userCount: number;
    readonly pageCount: number;
    /** Size of the stored bytes (compressed when gzip is on). */
    readonly bytes: number;
    /** Lowercase hex sha256 of the stored bytes (compressed when gzip is on). */
    readonly sha256: string;
    readonly select: readonly string[];
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly durationMs: number;
    readonly graphRequests: number;
}

const FIELD_TYPES: Readonly<Record<keyof SnapshotManifest, 'string' | 'number' | 'boolean' | 'array'>> = {
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

/** Parses `latest.json`, refusing anything this version did not write. */
export function parseManifest(text: string, location: string): SnapshotManifest {
    const invalid = (why: string): ExportError =>
        new ExportError('ExportFailed', `${location} is not a valid users export manifest: ${why}.`, {
            status: 500,
            hint: 'Delete it (the next export writes a new one) or restore it from a backup.',
        });
    const record = parseJsonObject(text);
    if (record === undefined) throw invalid('not a JSON object');
    if (record.schemaVersion !== MANIFEST_SCHEMA_VERSION) throw invalid(`unsupported schemaVersion ${String(record.schemaVersion)}`);
    for (const [field, type] of Object.entries(FIELD_TYPES)) {
        const value = record[field];
        if (type === 'array' ? !Array.isArray(value) : typeof value !== type) throw invalid(`"${field}" is missing or not a ${type}`);
    }
    return record as unknown as SnapshotManifest;
}
