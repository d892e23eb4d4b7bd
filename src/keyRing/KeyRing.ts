import { randomBytes } from 'node:crypto';
import { AppError } from '../errors/AppError.js';
import { PageTokenKeysError } from '../errors/errorClasses.js';
import type { Logger } from '../logging/Logger.js';
import { KEY_BYTES, parseKeyRing, serializeKeyRing, type RingKey } from './KeyRingDocument.js';
import type { KeyRingStore } from './KeyRingStore.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export interface KeyRingOptions {
    readonly store: KeyRingStore;
    /** How long what the keys protect stays valid (the page-token lifetime): a replaced key is kept at least this long. */
    readonly protectedLifetimeMs: number;
    /** A new key is added when the newest is this old; default 7 days. */
    readonly rotationPeriodMs?: number;
    /** How long a read ring is reused before it is read again; default 5 minutes. */
    readonly cacheTtlMs?: number;
    /** At most one re-read per this period for unknown key ids, and between failed reads or rotations; default 30 s. */
    readonly coolDownMs?: number;
    readonly now?: () => number;
    readonly logger?: Logger;
}

interface Loaded {
    /** Oldest first. */
    readonly keys: readonly RingKey[];
    /** The last of `keys`: the one that mints. */
    readonly newest: RingKey;
    readonly etag: string;
    /** Until when the ring is used without reading it again. */
    readonly freshUntil: number;
}

/**
 * A small ring of symmetric keys that every instance shares through one stored document (the
 * ASP.NET Core Data Protection pattern): created on first use, a key added per rotation period,
 * replaced keys kept for a rotation period plus the protected lifetime, so anything sealed with
 * them has expired before they go. Mint with the newest key, accept any key in the ring.
 *
 * Reads are cached for `cacheTtlMs` and single-flight; writes are conditional (If-None-Match /
 * If-Match), and the loser of a race re-reads the winner's ring. When a re-read fails, the
 * cached ring is kept (with a warning) and retried after the cool-down; with nothing cached the
 * failure is a PageTokenKeysError (503).
 */
export class KeyRing {
    readonly #store: KeyRingStore;
    readonly #rotationPeriodMs: number;
    readonly #retainReplacedMs: number;
    readonly #cacheTtlMs: number;
    readonly #coolDownMs: number;
    readonly #now: () => number;
    readonly #logger: Logger | undefined;
    #loaded: Loaded | undefined;
    #loading: Promise<Loaded> | undefined;
    #rotating: Promise<Loaded> | undefined;
    #lastUnknownKeyReadAt = Number.NEGATIVE_INFINITY;
    #lastRotationAt = Number.NEGATIVE_INFINITY;

    constructor(options: KeyRingOptions) {
        this.#store = options.store;
        this.#rotationPeriodMs = options.rotationPeriodMs ?? 7 * DAY_MS;
        this.#retainReplacedMs = this.#rotationPeriodMs + options.protectedLifetimeMs;
        this.#cacheTtlMs = options.cacheTtlMs ?? 5 * MINUTE_MS;
        this.#coolDownMs = options.coolDownMs ?? 30_000;
        this.#now = options.now ?? Date.now;
        this.#logger = options.logger;
    }

    /** The key to seal with: the newest, after adding a new one if the newest is due for rotation. */
    async currentKey(): Promise<RingKey> {
        let ring = await this.#ring();
        const now = this.#now();
        if (ring.newest.createdAt.getTime() + this.#rotationPeriodMs <= now && now - this.#lastRotationAt >= this.#coolDownMs) {
            ring = await this.#rotate(ring);
        }
        return ring.newest;
    }

    /**
     * The key with this id, or undefined. An id the cached ring lacks (a key another instance just
     * added) causes one re-read, at most once per cool-down, so forged ids cannot flood the store.
     */
    async findKey(id: string): Promise<RingKey | undefined> {
        let ring = await this.#ring();
        const key = ring.keys.find((k) => k.id === id);
        if (key !== undefined) return key;
        if (this.#loading !== undefined) {
            ring = await this.#loading;
        } else if (this.#now() - this.#lastUnknownKeyReadAt >= this.#coolDownMs) {
            this.#lastUnknownKeyReadAt = this.#now();
            ring = await this.#reload();
        }
        return ring.keys.find((k) => k.id === id);
    }

    async #ring(): Promise<Loaded> {
        if (this.#loaded !== undefined && this.#now() < this.#loaded.freshUntil) return this.#loaded;
        return this.#reload();
    }

    #reload(): Promise<Loaded> {
        this.#loading ??= this.#load().finally(() => {
            this.#loading = undefined;
        });
        return this.#loading;
    }

    async #load(): Promise<Loaded> {
        const now = this.#now();
        try {
            let stored = await this.#store.read();
            if (stored === undefined) {
                const keys = [this.#newKey([], now)];
                const etag = await this.#store.create(serializeKeyRing(keys));
                if (etag !== undefined) return this.#keep(keys, etag, now);
                // Another instance created the ring first: use theirs.
                stored = await this.#store.read();
                if (stored === undefined)
                    throw new PageTokenKeysError(`The page-token key ring (${this.#store.location}) vanished while it was created.`);
            }
            return this.#keep(parseKeyRing(stored.text, this.#store.location), stored.etag, now);
        } catch (thrown) {
            const error = toKeyRingError(thrown, `read the page-token key ring (${this.#store.location})`);
            if (this.#loaded === undefined || error.code === 'ConfigurationInvalid') throw error;
            this.#logger?.warn(`${error.toLogString()} Keeping the cached key ring; retrying in ${Math.round(this.#coolDownMs / 1000)} s.`);
            this.#loaded = { ...this.#loaded, freshUntil: now + this.#coolDownMs };
            return this.#loaded;
        }
    }

    #rotate(ring: Loaded): Promise<Loaded> {
        this.#rotating ??= this.#addKey(ring).finally(() => {
            this.#rotating = undefined;
        });
        return this.#rotating;
    }

    async #addKey(ring: Loaded): Promise<Loaded> {
        const now = this.#now();
        this.#lastRotationAt = now;
        const keys = this.#prune([...ring.keys, this.#newKey(ring.keys, now)], now);
        try {
            const etag = await this.#store.replace(serializeKeyRing(keys), ring.etag);
            if (etag !== undefined) return this.#keep(keys, etag, now);
        } catch (thrown) {
            const error = toKeyRingError(thrown, `add a key to the page-token key ring (${this.#store.location})`);
            this.#logger?.warn(
                `${error.toLogString()} Page tokens keep using the current key; retrying in ${Math.round(this.#coolDownMs / 1000)} s.`,
            );
            return ring;
        }
        // Another instance changed the ring first (most likely it rotated too): use theirs.
        return this.#reload();
    }

    /** Drops keys replaced long enough ago that nothing sealed with them is still valid. */
    #prune(keys: readonly RingKey[], now: number): RingKey[] {
        return keys.filter((_key, i) => {
            const successor = keys[i + 1];
            return successor === undefined || successor.createdAt.getTime() + this.#retainReplacedMs > now;
        });
    }

    #newKey(existing: readonly RingKey[], now: number): RingKey {
        let id = randomBytes(9).toString('base64url');
        // 72 random bits: a clash is practically impossible, but would make one of the keys unreachable.
        while (existing.some((k) => k.id === id)) id = randomBytes(9).toString('base64url');
        return { id, createdAt: new Date(now), material: randomBytes(KEY_BYTES) };
    }

    #keep(keys: readonly RingKey[], etag: string, now: number): Loaded {
        const newest = keys.at(-1);
        // parseKeyRing refuses an empty ring and pruning keeps the newest: this cannot happen.
        if (newest === undefined) throw new PageTokenKeysError(`The page-token key ring (${this.#store.location}) has no keys.`);
        this.#loaded = { keys, newest, etag, freshUntil: now + this.#cacheTtlMs };
        return this.#loaded;
    }
}

function toKeyRingError(error: unknown, action: string): AppError {
    if (error instanceof AppError) return error;
    return new PageTokenKeysError(`Failed to ${action}.`, {
        cause: error,
        hint: 'Retry later; if it persists, check the export storage settings (USERS_EXPORT_STORAGE or USERS_EXPORT_STORAGE__blobServiceUri).',
    });
}
