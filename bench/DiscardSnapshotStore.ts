import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SnapshotManifest } from '../src/export/SnapshotManifest.js';
import type { SnapshotStore, StoredManifest } from '../src/export/SnapshotStore.js';

/** A store that reads every snapshot byte and keeps none: the export's cost without storage's. */
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

    writeManifest(_manifest: SnapshotManifest, _expectedEtag: string | undefined): Promise<void> {
        return Promise.resolve();
    }

    deleteSnapshot(_name: string): Promise<void> {
        return Promise.resolve();
    }

    async *listSnapshots(): AsyncIterable<string> {
        // Nothing is ever kept.
    }
}
