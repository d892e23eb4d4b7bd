import type { Readable } from 'node:stream';
import { ExportConflictError } from '../errors/errorClasses.js';
import { DELTA_STATE_NAME } from './DeltaState.js';
import { MANIFEST_NAME, parseManifest, type SnapshotManifest } from './SnapshotManifest.js';
import type { SnapshotStore, StoredManifest, StoredText, WriteConflict } from './SnapshotStore.js';

/**
 * What the blob and folder stores share: `latest.json` and `delta-state.json` are small documents
 * read with their version and replaced only if that version is still current. A store supplies
 * the two primitives; the documents' names and formats live here once.
 */
export abstract class DocumentStore implements SnapshotStore {
    abstract readonly location: string;
    abstract prepare(): Promise<void>;
    abstract writeSnapshot(name: string, content: Readable, contentType: string): Promise<void>;
    abstract readSnapshot(name: string): Promise<Readable | undefined>;
    abstract deleteSnapshot(name: string): Promise<void>;
    abstract listSnapshots(): AsyncIterable<string>;
    abstract listChanges(): AsyncIterable<string>;
    /** A document as stored with its version, or undefined when there is none. */
    protected abstract readDocument(name: string): Promise<StoredText | undefined>;
    /** Replaces `name` if it is still at `expectedEtag` (undefined: only if absent); the conflict when another writer got there first. */
    protected abstract writeDocument(name: string, body: string, expectedEtag: string | undefined): Promise<WriteConflict | undefined>;

    async readManifest(): Promise<StoredManifest | undefined> {
        const stored = await this.readDocument(MANIFEST_NAME);
        return stored === undefined
            ? undefined
            : { manifest: parseManifest(stored.text, `${this.location}/${MANIFEST_NAME}`), etag: stored.etag };
    }

    async writeManifest(manifest: SnapshotManifest, expectedEtag: string | undefined): Promise<void> {
        const conflict = await this.writeDocument(MANIFEST_NAME, `${JSON.stringify(manifest, null, 2)}\n`, expectedEtag);
        if (conflict !== undefined) throw new ExportConflictError(manifest.blobName, conflict.lock);
    }

    readDeltaState(): Promise<StoredText | undefined> {
        return this.readDocument(DELTA_STATE_NAME);
    }

    writeDeltaState(text: string, expectedEtag: string | undefined): Promise<WriteConflict | undefined> {
        return this.writeDocument(DELTA_STATE_NAME, text, expectedEtag);
    }
}
