import type { Readable } from 'node:stream';
import type { SnapshotManifest } from './SnapshotManifest.js';

export interface StoredManifest {
    readonly manifest: SnapshotManifest;
    /** Opaque version of `latest.json`, for the conditional write. */
    readonly etag: string;
}

/** A small document as stored, with its version for a conditional replace. */
export interface StoredText {
    readonly text: string;
    readonly etag: string;
}

/** Why a conditional write of `latest.json` or `delta-state.json` did not happen. */
export interface WriteConflict {
    /** What the other writer did, for messages (never the document's content). */
    readonly detail: string;
    /** A folder store's lock file that another writer holds, who that is, and when it counts as stale. */
    readonly lock?: { readonly file: string; readonly holder: string; readonly staleAfterMinutes: number };
}

/**
 * Where snapshots, change files, `latest.json` and `delta-state.json` live: a blob container, or a
 * local folder for the CLI.
 */
export interface SnapshotStore {
    /** Human-readable location (container URL or folder path), for logs; never holds credentials. */
    readonly location: string;
    /** Creates the container or folder when this store may. */
    prepare(): Promise<void>;
    /** `latest.json` with its version, or undefined when no export has completed yet. */
    readManifest(): Promise<StoredManifest | undefined>;
    /**
     * Streams `content` to `name` (a snapshot or a change file); resolves once it is committed.
     * Until then nothing is visible under that name, and a failed write (an erroring `content`)
     * never becomes visible.
     */
    writeSnapshot(name: string, content: Readable, contentType: string): Promise<void>;
    /** The stored bytes of a snapshot this app wrote, or undefined when it does not exist. */
    readSnapshot(name: string): Promise<Readable | undefined>;
    /**
     * Replaces `latest.json` only if it is still at `expectedEtag` (undefined: only if none
     * exists). Throws ExportConflictError otherwise.
     */
    writeManifest(manifest: SnapshotManifest, expectedEtag: string | undefined): Promise<void>;
    /** `delta-state.json` as stored, or undefined when there is none. */
    readDeltaState(): Promise<StoredText | undefined>;
    /**
     * Replaces `delta-state.json` only if it is still at `expectedEtag` (undefined: only if none
     * exists). Resolves the conflict, writing nothing, when another writer changed it (or holds it).
     */
    writeDeltaState(text: string, expectedEtag: string | undefined): Promise<WriteConflict | undefined>;
    /** Deletes a snapshot or change file; nothing happens if it does not exist. */
    deleteSnapshot(name: string): Promise<void>;
    /** Names of the committed snapshots, under `snapshots/`. */
    listSnapshots(): AsyncIterable<string>;
    /** Names of the committed change files, under `changes/`. */
    listChanges(): AsyncIterable<string>;
}
