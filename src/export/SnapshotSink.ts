import { createHash } from 'node:crypto';
import { Transform, type Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { ensureErrorType } from '../errors/ensureErrorType.js';
import { ExportError } from '../errors/errorClasses.js';
import type { GraphUser } from '../graph/GraphUser.js';
import type { Logger } from '../logging/Logger.js';
import { writeNdjson } from '../ndjson/writeNdjson.js';
import { MANIFEST_SCHEMA_VERSION, type SnapshotManifest } from './SnapshotManifest.js';
import type { SnapshotStore } from './SnapshotStore.js';
import type { ExportSummary, UsersSink } from './UsersSink.js';

export interface SnapshotSinkOptions {
    readonly store: SnapshotStore;
    readonly runId: string;
    readonly blobName: string;
    readonly gzip: boolean;
    readonly select: readonly string[];
    /** ETag of `latest.json` read before the run started; undefined when there was none. */
    readonly expectedEtag: string | undefined;
    readonly logger?: Logger;
}

/**
 * Streams pages as NDJSON (optionally gzip) into the store while they arrive, hashing the stored
 * bytes on the way; `commit` writes `latest.json` only after the snapshot itself is committed.
 * The upload starts at construction so that writes meet its backpressure from the first page.
 */
export class SnapshotSink implements UsersSink {
    readonly #options: SnapshotSinkOptions;
    readonly #head: Writable;
    readonly #upload: Promise<void>;
    readonly #hash = createHash('sha256');
    #bytes = 0;
    #snapshotCommitted = false;
    #manifest: SnapshotManifest | undefined;

    constructor(options: SnapshotSinkOptions) {
        this.#options = options;
        const measure = new Transform({
            transform: (chunk: Buffer, _encoding, done) => {
                this.#hash.update(chunk);
                this.#bytes += chunk.length;
                done(null, chunk);
            },
        });
        // Failures surface through the upload promise; an unheard 'error' event would crash the process.
        measure.on('error', () => undefined);
        if (options.gzip) {
            const gzip = createGzip();
            gzip.on('error', (error) => measure.destroy(error));
            gzip.pipe(measure);
            this.#head = gzip;
        } else {
            this.#head = measure;
        }
        this.#upload = options.store.writeSnapshot(options.blobName, measure, options.gzip ? 'application/gzip' : 'application/x-ndjson');
        // A failed upload must wake a writer that waits for 'drain'.
        this.#upload.catch((error: unknown) => {
            this.#head.destroy(ensureErrorType(error));
        });
    }

    /** The manifest written to `latest.json`; only after a successful commit. */
    get manifest(): SnapshotManifest {
        if (this.#manifest === undefined) throw new Error('The snapshot has not been committed.');
        return this.#manifest;
    }

    async writePage(users: readonly GraphUser[]): Promise<void> {
        await writeNdjson(users, this.#head);
    }

    async commit(summary: ExportSummary): Promise<void> {
        this.#head.end();
        await this.#upload;
        this.#snapshotCommitted = true;
        const finished = new Date();
        const manifest: SnapshotManifest = {
            schemaVersion: MANIFEST_SCHEMA_VERSION,
            runId: this.#options.runId,
            blobName: this.#options.blobName,
            contentType: this.#options.gzip ? 'application/gzip' : 'application/x-ndjson',
            gzip: this.#options.gzip,
            userCount: summary.userCount,
            pageCount: summary.pageCount,
            bytes: this.#bytes,
            sha256: this.#hash.digest('hex'),
            select: this.#options.select,
            startedAt: summary.startedAt,
            finishedAt: finished.toISOString(),
            durationMs: finished.getTime() - Date.parse(summary.startedAt),
            graphRequests: summary.graphRequests,
        };
        await this.#options.store.writeManifest(manifest, this.#options.expectedEtag);
        this.#manifest = manifest;
    }

    async abort(): Promise<void> {
        if (!this.#snapshotCommitted) {
            // Erroring the stream makes the upload fail before its block list is committed.
            this.#head.destroy(new ExportError('ExportFailed', 'The export was aborted before its snapshot was complete.'));
            await this.#upload.catch(() => undefined);
            return;
        }
        // The snapshot was committed but latest.json was not updated (conflict or failure): remove it.
        try {
            await this.#options.store.deleteSnapshot(this.#options.blobName);
        } catch (thrown) {
            this.#options.logger?.warn(
                `Could not delete the discarded snapshot ${this.#options.blobName} (retention removes it later): ${ensureErrorType(thrown).toLogString()}`,
            );
        }
    }
}
