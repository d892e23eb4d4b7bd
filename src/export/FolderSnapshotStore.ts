import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ExportConflictError } from '../errors/errorClasses.js';
import { MANIFEST_NAME, parseManifest, type SnapshotManifest } from './SnapshotManifest.js';
import type { SnapshotStore, StoredManifest } from './SnapshotStore.js';

/** Suffix of a snapshot still being written; never listed as a snapshot. */
const PARTIAL = '.partial';

/**
 * The container layout in a local folder, for `graph-users export --to <dir>`. Files appear
 * under their final names only by rename, so a reader never sees half a snapshot or manifest.
 */
export class FolderSnapshotStore implements SnapshotStore {
    readonly location: string;

    constructor(folder: string) {
        this.location = resolve(folder);
    }

    async prepare(): Promise<void> {
        await mkdir(this.location, { recursive: true });
    }

    async readManifest(): Promise<StoredManifest | undefined> {
        const bytes = await this.#readManifestBytes();
        if (bytes === undefined) return undefined;
        return { manifest: parseManifest(bytes.toString('utf8'), join(this.location, MANIFEST_NAME)), etag: etagOf(bytes) };
    }

    async writeSnapshot(name: string, content: Readable): Promise<void> {
        const file = this.#path(name);
        await mkdir(dirname(file), { recursive: true });
        try {
            await pipeline(content, createWriteStream(`${file}${PARTIAL}`, { flags: 'wx' }));
            await rename(`${file}${PARTIAL}`, file);
        } catch (error) {
            await rm(`${file}${PARTIAL}`, { force: true });
            throw error;
        }
    }

    /**
     * A filesystem has no compare-and-swap: an exclusive lock file serialises writers, and the
     * ETag (sha256 of the file) is compared under it.
     */
    async writeManifest(manifest: SnapshotManifest, expectedEtag: string | undefined): Promise<void> {
        const target = join(this.location, MANIFEST_NAME);
        const lock = `${target}.lock`;
        let handle;
        try {
            handle = await open(lock, 'wx');
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new ExportConflictError(manifest.blobName);
            throw error;
        }
        try {
            const current = await this.#readManifestBytes();
            if ((current === undefined ? undefined : etagOf(current)) !== expectedEtag) throw new ExportConflictError(manifest.blobName);
            const temporary = `${target}.${randomBytes(4).toString('hex')}.tmp`;
            await writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
            await rename(temporary, target);
        } finally {
            await handle.close();
            await rm(lock, { force: true });
        }
    }

    async deleteSnapshot(name: string): Promise<void> {
        await rm(this.#path(name), { force: true });
    }

    async *listSnapshots(): AsyncIterable<string> {
        let entries: string[];
        try {
            entries = await readdir(join(this.location, 'snapshots'), { recursive: true });
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
            throw error;
        }
        for (const entry of entries) {
            if (entry.endsWith('.ndjson') || entry.endsWith('.ndjson.gz')) yield `snapshots/${entry.split(sep).join('/')}`;
        }
    }

    async #readManifestBytes(): Promise<Buffer | undefined> {
        try {
            return await readFile(join(this.location, MANIFEST_NAME));
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
            throw error;
        }
    }

    /** Names come from snapshotName(), never from input; the check keeps it that way. */
    #path(name: string): string {
        const file = resolve(this.location, name);
        if (!file.startsWith(`${this.location}${sep}`)) throw new Error(`Snapshot name escapes the export folder: ${name}`);
        return file;
    }
}

function etagOf(bytes: Buffer): string {
    return createHash('sha256').update(bytes).digest('hex');
}
