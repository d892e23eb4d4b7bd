import { ExportError } from '../errors/errorClasses.js';
import type { SnapshotStore, StoredManifest } from './SnapshotStore.js';

/** `latest.json` with its ETag, or a 404 `NoSnapshot` before the first export completed. */
export async function readLatestManifest(store: SnapshotStore): Promise<StoredManifest> {
    const stored = await store.readManifest();
    if (stored !== undefined) return stored;
    throw new ExportError('NoSnapshot', 'No users export snapshot exists yet: latest.json has not been written.', {
        status: 404,
        callerDetail: 'No users export snapshot exists yet; the first one is written by the next scheduled export.',
        hint: 'The timer function writes it after its first successful run; check its logs, or run `graph-users export` once.',
    });
}
