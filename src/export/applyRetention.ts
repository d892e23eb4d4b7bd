import type { Logger } from '../logging/Logger.js';
import { snapshotDay } from './snapshotName.js';
import type { SnapshotStore } from './SnapshotStore.js';

const DAY_MS = 86_400_000;

export interface RetentionOptions {
    readonly store: SnapshotStore;
    readonly retentionDays: number;
    readonly now: Date;
    readonly logger?: Logger;
}

/**
 * Deletes snapshots whose whole UTC day (the date in their name, i.e. the run's start) ended
 * more than `retentionDays` ago. Age comes from the name, not the blob's Last-Modified, so a
 * copied or restored container keeps its schedule. The snapshot `latest.json` names is never
 * deleted, and names this app did not write are left alone: only `snapshots/` is listed, so the
page-token key ring (`keys/`) is never touched. Returns how many were deleted.
 */
export async function applyRetention(options: RetentionOptions): Promise<number> {
    const { store, retentionDays, now } = options;
    const keep = (await store.readManifest())?.manifest.blobName;
    const cutoff = now.getTime() - retentionDays * DAY_MS;
    let deleted = 0;
    for await (const name of store.listSnapshots()) {
        const day = snapshotDay(name);
        if (day === undefined || name === keep || day.getTime() + DAY_MS > cutoff) continue;
        await store.deleteSnapshot(name);
        deleted += 1;
    }
    if (deleted > 0) options.logger?.info(`Retention deleted ${deleted} snapshot(s) older than ${retentionDays} day(s).`);
    return deleted;
}
