import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';

/**
 * How long a lock may stand before anyone takes it over. A writer holds it for one read, one small
 * write and one rename, far less than this; a lock this old was left by a process that died or
 * hangs on another host (whose pid cannot be checked from here), or whose pid was reused here.
 */
export const LOCK_STALE_AFTER_MS = 120_000;
/** A takeover marker older than this was left by a process killed while taking over a stale lock. */
const TAKEOVER_STALE_AFTER_MS = 30_000;
/** A lock that keeps changing hands is reported as held rather than fought over. */
const ATTEMPTS = 3;

/** What a lock file holds: who took it, and a nonce that tells this lock from a later one by the same process. */
interface LockOwner {
    readonly pid: number;
    readonly host: string;
    readonly createdAt: string;
    readonly nonce: string;
}

/** A lock another writer holds: who, as far as its file says. */
export interface LockHeld {
    readonly holder: string;
}

/**
 * An exclusive lock file, for a filesystem that has no compare-and-swap. The file is created
 * exclusively and holds the owner's pid, host and start time. A lock is stale, and taken over,
 * when its process is gone from this host (`kill(pid, 0)` answers ESRCH) or when it is older
 * than LOCK_STALE_AFTER_MS; an unreadable one (an older version's empty lock, or a process killed
 * between creating and writing it) is judged by its age alone (see removeStale for the takeover).
 */
export class LockFile {
    readonly path: string;
    readonly #text: string;

    private constructor(path: string, text: string) {
        this.path = path;
        this.#text = text;
    }

    static async acquire(path: string): Promise<LockFile | LockHeld> {
        const owner: LockOwner = {
            pid: process.pid,
            host: hostname(),
            createdAt: new Date().toISOString(),
            nonce: randomBytes(8).toString('hex'),
        };
        const text = `${JSON.stringify(owner)}\n`;
        const create = async (): Promise<boolean> => {
            try {
                const handle = await open(path, 'wx', 0o600);
                try {
                    await handle.writeFile(text);
                } finally {
                    await handle.close();
                }
                return true;
            } catch (error) {
                if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
                return false;
            }
        };
        let holder = 'another writer';
        for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
            if (await create()) return new LockFile(path, text);
            const found = await readLock(path);
            if (found === undefined) continue;
            holder = found.holder;
            if (!found.stale) return { holder };
            if (await takeOver(path, found.text, text)) return new LockFile(path, text);
        }
        return { holder };
    }

    /** Removes the lock if it is still this one (a writer that outlived the bound may have lost it). */
    async release(): Promise<void> {
        if ((await readText(this.path)) === this.#text) await rm(this.path, { force: true });
    }
}

/**
 * Replaces the stale lock whose text is `stale` with `own`, one taker at a time (under
 * `<path>.takeover`, created exclusively and holding the taker's nonce): true if `own` now stands.
 * The stale lock is re-read under the marker and replaced by rename(), which is atomic, so the path is
 * never empty for another writer's exclusive create to slip into, and a lock made meanwhile is never
 * removed. Left: a holder past LOCK_STALE_AFTER_MS that releases and is replaced between the re-read
 * and the rename; a writer holds the lock for one read, one small write and one rename.
 */
async function takeOver(path: string, stale: string, own: string): Promise<boolean> {
    const marker = `${path}.takeover`;
    const nonce = randomBytes(8).toString('hex');
    try {
        await writeFile(marker, nonce, { flag: 'wx', mode: 0o600 });
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        // A taker holds it for a few file operations; one left by a killed process is removed after a while.
        const since = await modifiedAt(marker);
        if (since !== undefined && Date.now() - since > TAKEOVER_STALE_AFTER_MS) await rm(marker, { force: true });
        return false;
    }
    try {
        if ((await readText(path)) !== stale) return false;
        const next = `${path}.${randomBytes(6).toString('hex')}.next`;
        await writeFile(next, own, { flag: 'wx', mode: 0o600 });
        try {
            await rename(next, path);
        } catch (error) {
            await rm(next, { force: true });
            throw error;
        }
        return (await readText(path)) === own;
    } finally {
        if ((await readText(marker)) === nonce) await rm(marker, { force: true });
    }
}

/** A file's text, or undefined when it does not exist. */
async function readText(path: string): Promise<string | undefined> {
    try {
        return await readFile(path, 'utf8');
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
    }
}

async function modifiedAt(path: string): Promise<number | undefined> {
    try {
        return (await stat(path)).mtimeMs;
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
    }
}

/** The lock at `path` as found, or undefined when it vanished meanwhile. */
async function readLock(path: string): Promise<{ text: string; holder: string; stale: boolean } | undefined> {
    let text: string;
    let modifiedMs: number;
    try {
        const handle = await open(path, 'r');
        try {
            text = await handle.readFile('utf8');
            modifiedMs = (await handle.stat()).mtimeMs;
        } finally {
            await handle.close();
        }
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
    }
    const owner = parseOwner(text);
    const now = Date.now();
    // Old by the file's time and by its writer's clock (unless that is ahead of ours): one skewed clock cannot expire a live lock.
    const created = owner === undefined ? Number.NaN : Date.parse(owner.createdAt);
    const ageMs = Math.min(now - modifiedMs, created <= now ? now - created : Number.POSITIVE_INFINITY);
    const gone = owner?.host === hostname() && !isRunning(owner.pid);
    return { text, holder: describe(owner, modifiedMs), stale: gone || ageMs > LOCK_STALE_AFTER_MS };
}

function parseOwner(text: string): LockOwner | undefined {
    try {
        const value = JSON.parse(text) as Partial<LockOwner> | null;
        if (
            typeof value?.pid === 'number' &&
            Number.isSafeInteger(value.pid) &&
            value.pid > 0 &&
            typeof value.host === 'string' &&
            typeof value.createdAt === 'string' &&
            !Number.isNaN(Date.parse(value.createdAt))
        ) {
            return value as LockOwner;
        }
    } catch {
        // Empty (created, not yet written) or not ours: judged by its age.
    }
    return undefined;
}

function describe(owner: LockOwner | undefined, modifiedMs: number | undefined): string {
    if (owner !== undefined) return `process ${owner.pid} on host ${owner.host} since ${owner.createdAt}`;
    return modifiedMs === undefined ? 'another writer' : `an unknown writer since ${new Date(modifiedMs).toISOString()}`;
}

/** Whether a process with this pid runs on this host: signal 0 checks without sending anything (EPERM: it runs, as another user). */
function isRunning(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
}
