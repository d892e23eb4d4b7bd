import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DocumentStore } from './DocumentStore.js';
import { LOCK_STALE_AFTER_MS, LockFile } from './LockFile.js';
import type { StoredText, WriteConflict } from './SnapshotStore.js';

/** Suffix of a snapshot still being written; never listed as a snapshot. */
const PARTIAL = '.partial';
/** Owner-only: the delta state holds a bearer-grade cursor, snapshots the directory itself. */
const PRIVATE_FILE = 0o600;

/**
 * The container layout in a local folder, for `graph-users export --to <dir>`. Files appear
 * under their final names only by rename, so a reader never sees half a snapshot or manifest.
 */
export class FolderSnapshotStore extends DocumentStore {
    readonly location: string;

    constructor(folder: string) {
        super();
        this.location = resolve(folder);
    }

    async prepare(): Promise<void> {
        await mkdir(this.location, { recursive: true });
    }

    async writeSnapshot(name: string, content: Readable): Promise<void> {
        const file = this.#path(name);
        await mkdir(dirname(file), { recursive: true });
        try {
            await pipeline(content, createWriteStream(`${file}${PARTIAL}`, { flags: 'wx', mode: PRIVATE_FILE }));
            await rename(`${file}${PARTIAL}`, file);
        } catch (error) {
            await rm(`${file}${PARTIAL}`, { force: true });
            throw error;
        }
    }

    async readSnapshot(name: string): Promise<Readable | undefined> {
        try {
            // Opened here, so a missing file is an answer now rather than a stream error later.
            return (await open(this.#path(name), 'r')).createReadStream();
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
            throw error;
        }
    }

    async deleteSnapshot(name: string): Promise<void> {
        await rm(this.#path(name), { force: true });
    }

    listSnapshots(): AsyncIterable<string> {
        return this.#list('snapshots');
    }

    listChanges(): AsyncIterable<string> {
        return this.#list('changes');
    }

    async *#list(folder: string): AsyncIterable<string> {
        let entries: string[];
        try {
            entries = await readdir(join(this.location, folder), { recursive: true });
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
            throw error;
        }
        for (const entry of entries) {
            if (entry.endsWith('.ndjson') || entry.endsWith('.ndjson.gz')) yield `${folder}/${entry.split(sep).join('/')}`;
        }
    }

    /**
     * A filesystem has no compare-and-swap: a lock file (`<name>.lock`, see LockFile) serialises
     * writers, and the ETag (sha256 of the file) is compared under it. Another writer holding the
     * lock is a conflict that names the lock; a stale one, left by a killed process, is taken over.
     */
    protected async writeDocument(name: string, body: string, expectedEtag: string | undefined): Promise<WriteConflict | undefined> {
        const target = join(this.location, name);
        const lock = await LockFile.acquire(`${target}.lock`);
        if (!(lock instanceof LockFile)) {
            const file = `${target}.lock`;
            return {
                detail: `${file} is held by ${lock.holder}`,
                lock: { file, holder: lock.holder, staleAfterMinutes: LOCK_STALE_AFTER_MS / 60_000 },
            };
        }
        try {
            if ((await this.readDocument(name))?.etag !== expectedEtag)
                return { detail: `another export replaced ${name} while this one ran` };
            const temporary = `${target}.${randomBytes(4).toString('hex')}.tmp`;
            await writeFile(temporary, body, { flag: 'wx', mode: PRIVATE_FILE });
            await rename(temporary, target);
            return undefined;
        } finally {
            await lock.release();
        }
    }

    protected async readDocument(name: string): Promise<StoredText | undefined> {
        let bytes: Buffer;
        try {
            bytes = await readFile(join(this.location, name));
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
            throw error;
        }
        return { text: bytes.toString('utf8'), etag: createHash('sha256').update(bytes).digest('hex') };
    }

    /** Names come from snapshotName()/changesName(), never from input; the check keeps it that way. */
    #path(name: string): string {
        const file = resolve(this.location, name);
        if (!file.startsWith(`${this.location}${sep}`)) throw new Error(`Snapshot name escapes the export folder: ${name}`);
        return file;
    }
}
