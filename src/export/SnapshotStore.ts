import type { Readable } from 'node:stream';
import type { SnapshotManifest } from './SnapshotManifest.js';

export interface StoredManifest {
    readonly manifest: SnapshotManifest;
    /** Opaque version of `latest.json`, for the conditional write. */
    readonly etag: string;
}

/** Where snapshots and `latest.json` live: a blob container, or a local folder for the CLI. */
export interface SnapshotStore {
    /** Human-readable location (container URL or folder path), for logs; never holds credentials. */
    readonly location: string;
    /** Creates the container or folder when this store may. */
    prepare(): Promise<void>;
    /** `latest.json` with its version, or undefined when no export has completed yet. */
    readManifest(): Promise<StoredManifest | undefined>;
    /**
     * Streams `content` to `name`; resolves once the snapshot is committed. Until then nothing is
     * visible under that name, and a failed write (an erroring `content`) never becomes visible.
     */
    writeSnapshot(name: string, content: Readable, contentType: string): Promise<void>;
    /**
     * Replaces `latest.json` only if it is still at `expectedEtag` (undefined: only if none
     * exists). Throws ExportConflictError otherwise.
     */
    writeManifest(manifest: SnapshotManifest, expectedEtag: string | undefined): Promise<void>;
    deleteSnapshot(name: string): Promise<void>;
    /** Names of the committed snapshots, under `snapshots/`. */
    listSnapshots(): AsyncIterable<string>;
}
