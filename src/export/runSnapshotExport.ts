import type { ExportSettings } from '../config/ExportSettings.js';
import { ensureErrorType } from '../errors/ensureErrorType.js';
import { GraphError } from '../errors/errorClasses.js';
import type { CallOptions, GraphClient } from '../graph/GraphClient.js';
import { createGraphRequestStats, type GraphRequestStats } from '../graph/GraphUser.js';
import { SelectedProperties } from '../graph/SelectedProperties.js';
import { UsersDeltaClient } from '../graph/UsersDeltaClient.js';
import type { Logger } from '../logging/Logger.js';
import { applyRetention } from './applyRetention.js';
import { DELTA_STATE_SCHEMA_VERSION, parseDeltaState, type DeltaState } from './DeltaState.js';
import type { ExportProgress } from './ExportProgress.js';
import { FullReadNeeded } from './FullReadNeeded.js';
import { fullReadReasons, type FullReadReason } from './FullReadReason.js';
import { IdSet } from './IdSet.js';
import { mergeSnapshot } from './mergeSnapshot.js';
import { defaultChangeLimits, type ChangeLimits } from './ChangeLimits.js';
import { readDeltaChanges } from './readDeltaChanges.js';
import { readFullSnapshot } from './readFullSnapshot.js';
import { MANIFEST_SCHEMA_VERSION, type SnapshotManifest } from './SnapshotManifest.js';
import { ndjsonContentType, SnapshotSink } from './SnapshotSink.js';
import { changesName, newRunId, snapshotName } from './snapshotName.js';
import type { SnapshotStore, StoredManifest, StoredText } from './SnapshotStore.js';
import { writeChangeFile } from './writeChangeFile.js';

const DAY_MS = 86_400_000;
/** Answers to `$deltatoken=latest` that mean "no delta query here" rather than "Graph is failing": the snapshot is still written. */
const NO_DELTA_CODES = new Set(['GraphBadRequest', 'GraphRequestFailed', 'GraphMalformedResponse']);

export interface SnapshotExportOptions {
    readonly graph: GraphClient;
    readonly store: SnapshotStore;
    readonly settings: ExportSettings;
    /** Read the whole directory even when the changes alone would do (`graph-users export --full`). */
    readonly full?: boolean;
    /** What an incremental run may hold in memory; default `defaultChangeLimits`. */
    readonly changeLimits?: ChangeLimits;
    readonly stats?: GraphRequestStats;
    readonly logger?: Logger;
    readonly signal?: AbortSignal;
    /** Called after every page or chunk (the CLI draws its progress line from it). */
    readonly onProgress?: (progress: ExportProgress) => void;
}

export interface SnapshotExportResult {
    readonly manifest: SnapshotManifest;
    /** Full location of the snapshot, for people. */
    readonly snapshotLocation: string;
    /** Snapshots and change files deleted by retention; undefined when retention failed (logged; the export itself succeeded). */
    readonly deletedSnapshots: number | undefined;
    /** Time spent reading Graph (the delta round, or the full read) and merging; for the bench and the logs. */
    readonly timings: { readonly graphReadMs: number; readonly mergeMs?: number };
}

/** What a run shares between its steps. */
interface Run {
    readonly options: SnapshotExportOptions;
    readonly delta: UsersDeltaClient;
    readonly select: SelectedProperties;
    readonly call: CallOptions;
    readonly stats: GraphRequestStats;
    readonly started: Date;
    readonly runId: string;
    readonly previous: StoredManifest | undefined;
}

/** A run whose files are committed, waiting for `latest.json` and the delta state. */
interface FinishedRun {
    readonly manifest: Omit<SnapshotManifest, 'finishedAt' | 'durationMs'>;
    /** Deleted again if the manifest cannot be written. */
    readonly files: readonly SnapshotSink[];
    /** Undefined when Graph gave no deltaLink: the stored state is then left as it was. */
    readonly state: DeltaState | undefined;
    readonly timings: SnapshotExportResult['timings'];
}

/**
 * One export run. With a usable delta state it reads only what changed since the last run
 * (Graph delta query) and merges it into that run's snapshot; otherwise, or when that fails for
 * a reason a full read fixes (see FullReadReason), it reads every user. Either way it writes a
 * complete snapshot, then `latest.json`, then `delta-state.json`, then applies retention.
 *
 * Commit order, and why every crash point is consistent: the snapshot (and change file) are
 * committed first, unreferenced; then `latest.json` (If-Match the version read at the start);
 * then the state (If-Match too). A crash before `latest.json` leaves both documents as they
 * were (the new files are orphans that retention removes). A crash between the two leaves
 * `latest.json` on the new snapshot and the state on the old deltaLink *and its own base*, which
 * retention keeps: the next run replays those changes onto that base, which replays make
 * harmless. The state is written only after `latest.json`, so a run that lost the manifest race
 * never moves the state.
 */
export async function runSnapshotExport(options: SnapshotExportOptions): Promise<SnapshotExportResult> {
    const { store, settings, logger } = options;
    await store.prepare();
    const previous = await store.readManifest();
    const storedState = await store.readDeltaState();
    const started = new Date();
    const stats = options.stats ?? createGraphRequestStats();
    const delta = new UsersDeltaClient(options.graph);
    const run: Run = {
        options,
        delta,
        select: new SelectedProperties(settings.select),
        call: {
            stats,
            ...(options.signal === undefined ? {} : { signal: options.signal }),
            ...(logger === undefined ? {} : { logger }),
        },
        stats,
        started,
        runId: newRunId(started),
        previous,
    };
    const plan = planRun(run, storedState);
    let finished: FinishedRun | undefined;
    let reason: FullReadReason | undefined;
    if (typeof plan === 'string') {
        reason = plan;
    } else {
        try {
            finished = await runIncremental(run, plan);
        } catch (error) {
            if (!(error instanceof FullReadNeeded)) throw error;
            reason = error.reason;
            logger?.warn(`The changes alone cannot be applied (${error.reason}): ${error.message}. Reading the whole directory instead.`);
        }
    }
    finished ??= await runFull(run, reason ?? 'forced');
    const manifest = await publish(run, finished, storedState);

    const snapshotLocation = `${store.location}/${manifest.blobName}`;
    const how =
        manifest.mode === 'incremental'
            ? `incremental from ${manifest.base?.runId ?? '?'}: +${manifest.changes?.added ?? 0} ~${manifest.changes?.updated ?? 0} -${manifest.changes?.removed ?? 0}`
            : `full read, ${manifest.fullReadReason ?? 'forced'}`;
    logger?.info(
        `Exported ${manifest.userCount} users in ${manifest.pageCount} pages to ${snapshotLocation} (${how}; ${manifest.duplicates ?? 0} duplicate(s) from Graph; sha256 ${manifest.sha256}); latest.json updated.`,
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
    return { manifest, snapshotLocation, deletedSnapshots, timings: finished.timings };
}

/** The delta state to continue from, or why this run reads everything. */
function planRun(run: Run, stored: StoredText | undefined): DeltaState | FullReadReason {
    const { options, select, started } = run;
    if (options.full === true) return 'forced';
    if (stored === undefined) return 'noState';
    let state: DeltaState;
    let origin: string;
    try {
        state = parseDeltaState(stored.text);
        origin = new URL(state.deltaLink).origin;
    } catch (error) {
        options.logger?.warn(`The delta state is not usable: ${(error as Error).message}.`);
        return 'stateUnreadable';
    }
    // Tenant ids and domains are case-insensitive; a tenant's GUID and one of its domains count as different.
    if (state.tenantId.toLowerCase() !== options.graph.tenantId.toLowerCase()) return 'tenantChanged';
    if (!sameSet(state.select, select.names)) return 'selectChanged';
    if (origin !== run.delta.graphOrigin) return 'graphEndpointChanged';
    if (started.getTime() - Date.parse(state.lastFullReadAt) >= options.settings.fullEveryDays * DAY_MS) return 'fullReadDue';
    return state;
}

async function runIncremental(run: Run, state: DeltaState): Promise<FinishedRun> {
    const { options, started, runId } = run;
    const { store, settings, logger } = options;
    logger?.info(`Reading the changes since ${state.deltaLinkAt} (base snapshot ${state.snapshot.blobName}).`);
    const roundStarted = new Date();
    const readStarted = performance.now();
    const read = await readDeltaChanges({
        delta: run.delta,
        deltaLink: state.deltaLink,
        select: run.select,
        limits: options.changeLimits ?? defaultChangeLimits,
        call: run.call,
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    const graphReadMs = performance.now() - readStarted;
    const base = await store.readSnapshot(state.snapshot.blobName);
    if (base === undefined) throw new FullReadNeeded('baseSnapshotMissing', state.snapshot.blobName);
    const blobName = snapshotName(started, runId, settings.gzip);
    const sink = new SnapshotSink({ store, blobName, gzip: settings.gzip, ...(logger === undefined ? {} : { logger }) });
    let changeSink: SnapshotSink | undefined;
    try {
        const mergeStarted = performance.now();
        const merged = await mergeSnapshot({
            base,
            baseInfo: state.snapshot,
            changes: read.changes,
            sink,
            ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
        });
        const snapshot = await sink.finish();
        const mergeMs = performance.now() - mergeStarted;
        changeSink = new SnapshotSink({
            store,
            blobName: changesName(started, runId, settings.gzip),
            gzip: settings.gzip,
            ...(logger === undefined ? {} : { logger }),
        });
        const changeFile = await writeChangeFile(changeSink, read.changes, merged.net);
        return {
            manifest: {
                ...manifestHead(run, snapshot, merged.userCount, read.pageCount),
                mode: 'incremental',
                duplicates: read.changes.duplicates,
                base: { runId: state.snapshot.runId, blobName: state.snapshot.blobName, sha256: state.snapshot.sha256 },
                changes: { ...changeFile, added: merged.added, updated: merged.updated, removed: merged.removed },
            },
            files: [sink, changeSink],
            state: {
                schemaVersion: DELTA_STATE_SCHEMA_VERSION,
                tenantId: options.graph.tenantId,
                deltaLink: read.deltaLink,
                select: run.select.names,
                deltaLinkAt: roundStarted.toISOString(),
                lastFullReadAt: state.lastFullReadAt,
                snapshot: { runId, ...snapshot, gzip: settings.gzip, userCount: merged.userCount },
            },
            timings: { graphReadMs, mergeMs },
        };
    } catch (error) {
        base.destroy();
        await sink.discard();
        await changeSink?.discard();
        throw error;
    }
}

async function runFull(run: Run, reason: FullReadReason): Promise<FinishedRun> {
    const { options, started, runId, select } = run;
    const { store, settings, logger } = options;
    logger?.info(`Reading the whole directory (${reason}): ${fullReadReasons[reason]}.`);
    // Taken before the read: changes made while it runs replay in the next round, onto this snapshot.
    const deltaLinkAt = new Date();
    const readStarted = performance.now();
    // Both before the read, in parallel: the deltaLink must predate it; the count sizes the id set (see IdSet).
    const [deltaLink, expectedUsers] = await Promise.all([
        run.delta.latestDeltaLink(select.names, run.call).catch((error: unknown) => {
            if (!(error instanceof GraphError && NO_DELTA_CODES.has(error.code))) throw error;
            logger?.warn(
                `Graph gave no deltaLink for $deltatoken=latest (${error.toLogString()}); the snapshot is written, the delta state is left as it was.`,
            );
            return undefined;
        }),
        // The last snapshot's count is as good and free; without one, ask Graph (best effort).
        run.previous?.manifest.userCount ?? options.graph.countUsers(run.call).catch(() => 0),
    ]);
    const sink = new SnapshotSink({
        store,
        blobName: snapshotName(started, runId, settings.gzip),
        gzip: settings.gzip,
        ...(logger === undefined ? {} : { logger }),
    });
    try {
        const read = await readFullSnapshot({
            graph: options.graph,
            select,
            sink,
            ids: new IdSet(Math.ceil(expectedUsers * 1.05)),
            call: run.call,
            ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
        });
        const snapshot = await sink.finish();
        return {
            manifest: {
                ...manifestHead(run, snapshot, read.userCount, read.pageCount),
                mode: 'full',
                fullReadReason: reason,
                duplicates: read.duplicates,
            },
            files: [sink],
            state:
                deltaLink === undefined
                    ? undefined
                    : {
                          schemaVersion: DELTA_STATE_SCHEMA_VERSION,
                          tenantId: options.graph.tenantId,
                          deltaLink,
                          select: select.names,
                          deltaLinkAt: deltaLinkAt.toISOString(),
                          lastFullReadAt: deltaLinkAt.toISOString(),
                          snapshot: { runId, ...snapshot, gzip: settings.gzip, userCount: read.userCount },
                      },
            timings: { graphReadMs: performance.now() - readStarted },
        };
    } catch (error) {
        await sink.discard();
        throw error;
    }
}

function manifestHead(
    run: Run,
    snapshot: { readonly blobName: string; readonly bytes: number; readonly sha256: string },
    userCount: number,
    pageCount: number,
): Omit<SnapshotManifest, 'finishedAt' | 'durationMs'> {
    const { gzip } = run.options.settings;
    return {
        schemaVersion: MANIFEST_SCHEMA_VERSION,
        runId: run.runId,
        blobName: snapshot.blobName,
        contentType: ndjsonContentType(gzip),
        gzip,
        userCount,
        pageCount,
        bytes: snapshot.bytes,
        sha256: snapshot.sha256,
        select: run.select.names,
        startedAt: run.started.toISOString(),
        graphRequests: run.stats.requests,
    };
}

/** `latest.json` first, then the state (see runSnapshotExport for why in this order). */
async function publish(run: Run, finished: FinishedRun, storedState: StoredText | undefined): Promise<SnapshotManifest> {
    const { store, logger } = run.options;
    const at = new Date();
    const manifest: SnapshotManifest = {
        ...finished.manifest,
        // Counted again here: an incremental attempt that fell back made requests too.
        graphRequests: run.stats.requests,
        finishedAt: at.toISOString(),
        durationMs: at.getTime() - run.started.getTime(),
    };
    try {
        await store.writeManifest(manifest, run.previous?.etag);
    } catch (error) {
        for (const file of finished.files) await file.discard();
        throw error;
    }
    if (finished.state === undefined) return manifest;
    let problem: string | undefined;
    try {
        problem = (await store.writeDeltaState(`${JSON.stringify(finished.state, null, 2)}\n`, storedState?.etag))?.detail;
    } catch (error) {
        problem = ensureErrorType(error).toLogString();
    }
    if (problem !== undefined) {
        // latest.json is published and consistent; the old state (and the base it names) still hold.
        logger?.warn(`The delta state was not updated (${problem}); the next run starts from the previous state, or reads everything.`);
    }
    return manifest;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
    return a.length === b.length && a.every((name) => b.includes(name));
}
