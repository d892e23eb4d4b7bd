import { createHash } from 'node:crypto';
import { Transform, type Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { ensureErrorType } from '../errors/ensureErrorType.js';
import { ExportError } from '../errors/errorClasses.js';
import type { Logger } from '../logging/Logger.js';
import { writeChunk } from '../ndjson/writeChunk.js';
import type { StoredFile } from './SnapshotManifest.js';
import type { SnapshotStore } from './SnapshotStore.js';

export interface SnapshotSinkOptions {
    readonly store: SnapshotStore;
    /** A snapshot or change file name. */
    readonly blobName: string;
    readonly gzip: boolean;
    readonly logger?: Logger;
}

/** The content type of an NDJSON file as stored; gzip files are not marked Content-Encoding, so nothing unzips them unasked. */
export function ndjsonContentType(gzip: boolean): string {
    return gzip ? 'application/gzip' : 'application/x-ndjson';
}

/**
 * Streams NDJSON bytes (optionally gzipped) into the store while they are produced, hashing the
 * stored bytes on the way. The upload starts at construction so that writes meet its
 * backpressure from the first line. Nothing is visible until `finish`; `discard` undoes the file
 * whether or not it was finished.
 */
export class SnapshotSink {
    readonly #options: SnapshotSinkOptions;
    readonly #head: Writable;
    readonly #upload: Promise<void>;
    readonly #hash = createHash('sha256');
    #bytes = 0;
    #committed = false;

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
        this.#upload = options.store.writeSnapshot(options.blobName, measure, ndjsonContentType(options.gzip));
        // A failed upload must wake a writer that waits for 'drain'.
        this.#upload.catch((error: unknown) => {
            this.#head.destroy(ensureErrorType(error));
        });
    }

    /** Whole lines, each ending in "\n". */
    async writeLines(lines: Uint8Array): Promise<void> {
        if (lines.length > 0) await writeChunk(lines, this.#head);
    }

    /** Ends the stream and waits until the file is committed; returns what was stored. */
    async finish(): Promise<StoredFile> {
        this.#head.end();
        await this.#upload;
        this.#committed = true;
        return { blobName: this.#options.blobName, bytes: this.#bytes, sha256: this.#hash.digest('hex') };
    }

    /** Makes sure the file is not left behind: aborts the upload, or deletes the committed file. */
    async discard(): Promise<void> {
        if (!this.#committed) {
            // Erroring the stream makes the upload fail before its block list is committed.
            this.#head.destroy(new ExportError('ExportFailed', 'The export was aborted before its snapshot was complete.'));
            await this.#upload.catch(() => undefined);
            return;
        }
        try {
            await this.#options.store.deleteSnapshot(this.#options.blobName);
        } catch (thrown) {
            this.#options.logger?.warn(
                `Could not delete the discarded file ${this.#options.blobName} (retention removes it later): ${ensureErrorType(thrown).toLogString()}`,
            );
        }
    }
}
