import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SnapshotManifest } from '../src/export/SnapshotManifest.js';
import type { SnapshotStore, StoredManifest, StoredText, WriteConflict } from '../src/export/SnapshotStore.js';

/**
 * A store that reads every snapshot byte and keeps none: the export's cost without storage's.
 * It never holds a delta state, so every export into it is a full read.
 */
export class DiscardSnapshotStore implements SnapshotStore {
    readonly location = 'discard:';
    bytes = 0;

    prepare(): Promise<void> {
        return Promise.resolve();
    }

    readManifest(): Promise<StoredManifest | undefined> {
        return Promise.resolve(undefined);
    }

    async writeSnapshot(_name: string, content: Readable): Promise<void> {
        await pipeline(
            content,
            new Writable({
                write: (chunk: Buffer, _encoding, done) => {
                    this.bytes += chunk.length;
                    done();
                },
            }),
        );
    }

    readSnapshot(_name: string): Promise<Readable | undefined> {
        return Promise.resolve(undefined);
    }

    writeManifest(_manifest: SnapshotManifest, _expectedEtag: string | undefined): Promise<void> {
        return Promise.resolve();
    }

    readDeltaState(): Promise<StoredText | undefined> {
        return Promise.resolve(undefined);
    }

    writeDeltaState(_text: string, _expectedEtag: string | undefined): Promise<WriteConflict | undefined> {
        return Promise.resolve(undefined);
    }

    deleteSnapshot(_name: string): Promise<void> {
        return Promise.resolve();
    }

    async *listSnapshots(): AsyncIterable<string> {
        // Nothing is ever kept.
    }

    async *listChanges(): AsyncIterable<string> {
        // Nothing is ever kept.
    }
}
