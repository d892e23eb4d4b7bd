import type { ChangeSet } from './ChangeSet.js';
import { LineBatch } from './LineBatch.js';
import type { StoredFile } from './SnapshotManifest.js';
import type { SnapshotSink } from './SnapshotSink.js';

const USER = Buffer.from(',"user":');
const REASON = Buffer.from(',"reason":');
const CLOSE = Buffer.from('}');

/**
 * Writes an incremental run's change file, one change per line, in the order applied:
 * `{"op":"upsert","id":"…","user":{…}}` (the user's line exactly as in the snapshot) or
 * `{"op":"remove","id":"…","reason":"changed"|"deleted"|null}`. Applying the lines in order to
 * the base snapshot gives the new one; applying them twice changes nothing. `net`: the change
 * set's entries that altered the base, in the order applied (mergeSnapshot's result).
 */
export async function writeChangeFile(sink: SnapshotSink, changes: ChangeSet, net: Uint32Array): Promise<StoredFile> {
    const batch = new LineBatch();
    for (const entry of net) {
        const removal = changes.isRemoval(entry);
        const head = Buffer.from(`{"op":"${removal ? 'remove' : 'upsert'}","id":${JSON.stringify(changes.id(entry))}`);
        batch.add(head, removal ? REASON : USER, changes.payload(entry), CLOSE);
        if (batch.ready) await sink.writeLines(batch.take());
    }
    await sink.writeLines(batch.take());
    return sink.finish();
}
