import type { Logger } from '../logging/Logger.js';
import { parseDeltaState } from './DeltaState.js';
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
 * Deletes snapshots and change files whose whole UTC day (the date in their name, i.e. the run's
 * start) ended more than `retentionDays` ago. Age comes from the name, not the blob's
 * Last-Modified, so a copied or restored container keeps its schedule. Never deleted: the
 * snapshot `latest.json` names, the one the delta state applies to (the next incremental run's
 * base), and names this app did not write: only `snapshots/` and `changes/` are listed, so the
 * page-token key ring (`keys/`) is never touched. Returns how many files were deleted.
 */
export async function applyRetention(options: RetentionOptions): Promise<number> {
    const { store, retentionDays, now } = options;
    const keep = new Set<string>();
    const latest = (await store.readManifest())?.manifest.blobName;
    if (latest !== undefined) keep.add(latest);
    const state = await store.readDeltaState();
    if (state !== undefined) {
        try {
            keep.add(parseDeltaState(state.text).snapshot.blobName);
        } catch {
            // An unreadable state names no base: the next run reads everything anyway.
        }
    }
    const cutoff = now.getTime() - retentionDays * DAY_MS;
    let deleted = 0;
    for (const list of [store.listSnapshots(), store.listChanges()]) {
        for await (const name of list) {
            const day = snapshotDay(name);
            if (day === undefined || keep.has(name) || day.getTime() + DAY_MS > cutoff) continue;
            await store.deleteSnapshot(name);
            deleted += 1;
        }
    }
    if (deleted > 0)
        options.logger?.info(`Retention deleted ${deleted} snapshot(s) and change file(s) older than ${retentionDays} day(s).`);
    return deleted;
}
