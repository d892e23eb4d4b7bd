import type { NetChange } from './mergeSnapshot.js';
import { LineBatch } from './LineBatch.js';
import type { StoredFile } from './SnapshotManifest.js';
import type { SnapshotSink } from './SnapshotSink.js';

const LINES_PER_WRITE = 1000;

/**
 * Writes an incremental run's change file, one change per line, in the order applied:
 * `{"op":"upsert","id":"…","user":{…}}` (the user's line exactly as in the snapshot) or
 * `{"op":"remove","id":"…","reason":"changed"|"deleted"|null}`. Applying the lines in order to
 * the base snapshot gives the new one; applying them twice changes nothing.
 */
export async function writeChangeFile(sink: SnapshotSink, net: readonly NetChange[]): Promise<StoredFile> {
    const batch = new LineBatch();
    let pending = 0;
    for (const { change } of net) {
        const id = JSON.stringify(change.id);
        batch.add(
            change.line === undefined
                ? Buffer.from(`{"op":"remove","id":${id},"reason":${JSON.stringify(change.reason)}}`)
                : Buffer.concat([Buffer.from(`{"op":"upsert","id":${id},"user":`), change.line, Buffer.from('}')]),
        );
        pending += 1;
        if (pending === LINES_PER_WRITE) {
            await sink.writeLines(batch.take());
            pending = 0;
        }
    }
    await sink.writeLines(batch.take());
    return sink.finish();
}
