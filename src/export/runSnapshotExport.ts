import type { ExportSettings } from '../config/ExportSettings.js';
import { ensureErrorType } from '../errors/ensureErrorType.js';
import type { GraphRequestStats } from '../graph/GraphUser.js';
import type { Logger } from '../logging/Logger.js';
import type { UsersService } from '../users/UsersService.js';
import { applyRetention } from './applyRetention.js';
import { exportUsers } from './exportUsers.js';
import type { SnapshotManifest } from './SnapshotManifest.js';
import { SnapshotSink } from './SnapshotSink.js';
import { newRunId, snapshotName } from './snapshotName.js';
import type { SnapshotStore } from './SnapshotStore.js';

export interface SnapshotExportOptions {
    readonly users: UsersService;
    readonly store: SnapshotStore;
    readonly settings: ExportSettings;
    readonly stats?: GraphRequestStats;
    readonly logger?: Logger;
    readonly signal?: AbortSignal;
}

export interface SnapshotExportResult {
    readonly manifest: SnapshotManifest;
    /** Full location of the snapshot, for people. */
    readonly snapshotLocation: string;
    /** Snapshots deleted by retention; undefined when retention failed (logged; the export itself succeeded). */
    readonly deletedSnapshots: number | undefined;
}

/**
 * One export run: snapshot, then `latest.json` conditional on the version read here at the
 * start, then retention. A failure before the manifest write leaves the previous manifest and
 * no visible snapshot; a lost race fails with ExportConflictError after removing its snapshot.
 */
export async function runSnapshotExport(options: SnapshotExportOptions): Promise<SnapshotExportResult> {
    const { store, settings, logger } = options;
    await store.prepare();
    const previous = await store.readManifest();
    const started = new Date();
    const runId = newRunId(started);
    const blobName = snapshotName(started, runId, settings.gzip);
    const sink = new SnapshotSink({
        store,
        runId,
        blobName,
        gzip: settings.gzip,
        select: settings.select,
        expectedEtag: previous?.etag,
        ...(logger === undefined ? {} : { logger }),
    });
    await exportUsers({
        users: options.users,
        select: settings.select,
        sink,
        ...(options.stats === undefined ? {} : { stats: options.stats }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(logger === undefined ? {} : { logger }),
    });
    const { manifest } = sink;
    const snapshotLocation = `${store.location}/${manifest.blobName}`;
    logger?.info(
        `Exported ${manifest.userCount} users in ${manifest.pageCount} pages to ${snapshotLocation} (sha256 ${manifest.sha256}); latest.json updated.`,
    );
    let deletedSnapshots: number | undefined;
    try {
        deletedSnapshots = await applyRetention({
            store,
            retentionDays: settings.retentionDays,
            now: new Date(),
            ...(logger === undefined ? {} : { logger }),
        });
    } catch (thrown) {
        // The snapshot is committed and named; failing the run would only make the host export again.
        logger?.warn(`Retention failed; old snapshots stay until the next run: ${ensureErrorType(thrown).toLogString()}`);
    }
    return { manifest, snapshotLocation, deletedSnapshots };
}
