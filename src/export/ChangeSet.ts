import type { ChangeLimits } from './ChangeLimits.js';

const DEFAULT_SLAB_BYTES = 1024 * 1024;
const MIN_ENTRIES = 1024;

export interface ChangeSetOptions {
    /** The set refuses a change that would take it past either bound. */
    readonly limits: ChangeLimits;
    /** Size of the byte slabs changes are copied into (default 1 MiB); tests make it small to cross slabs and compact often. */
    readonly slabBytes?: number;
}

/**
 * The changes of one delta round, by user id, in memory. Graph may send a user several times in
 * a round, in any order; the last occurrence wins, so replays are harmless. Entries are numbered
 * 0..size-1 in the order of each user's first occurrence, the order new users are appended in.
 *
 * Compact, because an incremental run's memory bound rests on it: each change's id and JSON (the
 * user's line, or a removal's reason) are copied into 1 MiB byte slabs, and the index is a few
 * typed arrays and an open-addressing hash table: about 40 bytes per user beside its id and JSON,
 * where a Map of strings, objects and small Buffers took several hundred. A user sent again with other
 * bytes is appended and its old bytes become garbage; once garbage reaches an eighth of what is
 * live (and at least a slab), the slabs are compacted in place. So memory stays within the
 * limits' bytes plus an eighth, whatever the replays.
 */
export class ChangeSet {
    readonly #limits: ChangeLimits;
    readonly #slabBytes: number;
    #slabs: Buffer[] = [];
    /** Bytes used in the last slab. */
    #used = 0;
    #count = 0;
    #duplicates = 0;
    /** Payload bytes of the current entries: what the byte limit counts. */
    #bytes = 0;
    /** Id and payload bytes of the current entries. */
    #live = 0;
    /** Record bytes written into the slabs, superseded ones included. */
    #held = 0;
    // One slot per entry.
    #slabOf = new Uint32Array(MIN_ENTRIES);
    #offsetOf = new Uint32Array(MIN_ENTRIES);
    #idLength = new Uint32Array(MIN_ENTRIES);
    #payloadLength = new Uint32Array(MIN_ENTRIES);
    #removal = new Uint8Array(MIN_ENTRIES);
    #hash = new Uint32Array(MIN_ENTRIES);
    /** Entry + 1 per slot (0: empty), linear probing; twice the entry capacity, so at most half full. */
    #table = new Int32Array(2 * MIN_ENTRIES);

    constructor(options: ChangeSetOptions) {
        this.#limits = options.limits;
        this.#slabBytes = options.slabBytes ?? DEFAULT_SLAB_BYTES;
    }

    /** Holds `line` (the user's NDJSON line, without "\n") as the user's change. False, holding nothing new, past a limit. */
    upsert(id: string, line: Uint8Array): boolean {
        return this.#put(id, line, false);
    }

    /** Holds the user's removal with Graph's reason (`changed`, `deleted`, or null when it gave none). False past a limit. */
    remove(id: string, reason: string | null): boolean {
        return this.#put(id, Buffer.from(JSON.stringify(reason)), true);
    }

    /** Distinct users changed. */
    get size(): number {
        return this.#count;
    }

    /** Bytes of the changes' JSON (lines and reasons), as the byte limit counts them. */
    get bytes(): number {
        return this.#bytes;
    }

    /** Bytes written into the slabs and not yet compacted away (ids, JSON, superseded occurrences). */
    get heldBytes(): number {
        return this.#held;
    }

    /** Occurrences beyond the first of a user in this round. */
    get duplicates(): number {
        return this.#duplicates;
    }

    /** The entry whose id's UTF-8 bytes are `start`..`end` of `bytes`, or -1. No string is made. */
    find(bytes: Uint8Array, start: number, end: number): number {
        return this.#lookup(bytes, start, end, hashBytes(bytes, start, end));
    }

    findId(id: string): number {
        const bytes = Buffer.from(id, 'utf8');
        return this.find(bytes, 0, bytes.length);
    }

    id(entry: number): string {
        const at = this.#offsetOf[entry] ?? 0;
        return this.#slab(entry).toString('utf8', at, at + (this.#idLength[entry] ?? 0));
    }

    isRemoval(entry: number): boolean {
        return this.#removal[entry] === 1;
    }

    /**
     * An upsert's line, or a removal's reason as JSON (`"changed"`, `"deleted"`, `null`): a view
     * into the slabs, valid until the next change is added.
     */
    payload(entry: number): Buffer {
        const start = (this.#offsetOf[entry] ?? 0) + (this.#idLength[entry] ?? 0);
        return this.#slab(entry).subarray(start, start + (this.#payloadLength[entry] ?? 0));
    }

    #put(id: string, payload: Uint8Array, removal: boolean): boolean {
        const idLength = Buffer.byteLength(id, 'utf8');
        const recordLength = idLength + payload.length;
        // The id is written where the record would go, then hashed and looked up there: no copy of it is made.
        const slab = this.#reserve(recordLength);
        const at = this.#used;
        slab.write(id, at, 'utf8');
        const hash = hashBytes(slab, at, at + idLength);
        const existing = this.#lookup(slab, at, at + idLength, hash);
        const previousPayload = existing < 0 ? 0 : (this.#payloadLength[existing] ?? 0);
        if (existing >= 0 && (this.#removal[existing] === 1) === removal && this.payload(existing).equals(payload)) {
            // A replay of what the set holds: nothing to store.
            this.#duplicates += 1;
            return true;
        }
        if (existing < 0 && this.#count + 1 > this.#limits.maxChanges) return false;
        if (this.#bytes - previousPayload + payload.length > this.#limits.maxChangeBytes) return false;

        slab.set(payload, at + idLength);
        this.#used += recordLength;
        this.#held += recordLength;
        this.#bytes += payload.length - previousPayload;
        let entry = existing;
        if (entry < 0) {
            entry = this.#newEntry(hash, idLength);
            this.#live += idLength;
        } else {
            this.#duplicates += 1;
        }
        this.#live += payload.length - previousPayload;
        this.#slabOf[entry] = this.#slabs.length - 1;
        this.#offsetOf[entry] = at;
        this.#payloadLength[entry] = payload.length;
        this.#removal[entry] = removal ? 1 : 0;
        const garbage = this.#held - this.#live;
        if (garbage >= Math.max(this.#slabBytes, this.#live / 8)) this.#compact();
        return true;
    }

    /** The last slab, with room for `length` more bytes (a new slab when it has none; a record larger than a slab gets its own). */
    #reserve(length: number): Buffer {
        const last = this.#slabs.at(-1);
        if (last !== undefined && this.#used + length <= last.length) return last;
        const slab = Buffer.allocUnsafeSlow(Math.max(this.#slabBytes, length));
        this.#slabs.push(slab);
        this.#used = 0;
        return slab;
    }

    #slab(entry: number): Buffer {
        const slab = this.#slabs[this.#slabOf[entry] ?? 0];
        if (slab === undefined) throw new RangeError(`No change entry ${entry}`);
        return slab;
    }

    #lookup(bytes: Uint8Array, start: number, end: number, hash: number): number {
        const mask = this.#table.length - 1;
        const length = end - start;
        for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
            const entry = (this.#table[slot] ?? 0) - 1;
            if (entry < 0) return -1;
            if (this.#hash[entry] !== hash || this.#idLength[entry] !== length) continue;
            const at = this.#offsetOf[entry] ?? 0;
            if (this.#slab(entry).compare(bytes, start, end, at, at + length) === 0) return entry;
        }
    }

    #newEntry(hash: number, idLength: number): number {
        if (this.#count === this.#hash.length) this.#grow();
        const entry = this.#count;
        this.#count += 1;
        this.#hash[entry] = hash;
        this.#idLength[entry] = idLength;
        this.#insert(entry);
        return entry;
    }

    #insert(entry: number): void {
        const mask = this.#table.length - 1;
        let slot = (this.#hash[entry] ?? 0) & mask;
        while (this.#table[slot] !== 0) slot = (slot + 1) & mask;
        this.#table[slot] = entry + 1;
    }

    #grow(): void {
        const capacity = this.#hash.length * 2;
        const grown = <T extends Uint32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
            const next = make(capacity);
            next.set(old);
            return next;
        };
        this.#slabOf = grown(this.#slabOf, (n) => new Uint32Array(n));
        this.#offsetOf = grown(this.#offsetOf, (n) => new Uint32Array(n));
        this.#idLength = grown(this.#idLength, (n) => new Uint32Array(n));
        this.#payloadLength = grown(this.#payloadLength, (n) => new Uint32Array(n));
        this.#removal = grown(this.#removal, (n) => new Uint8Array(n));
        this.#hash = grown(this.#hash, (n) => new Uint32Array(n));
        this.#table = new Int32Array(2 * capacity);
        for (let entry = 0; entry < this.#count; entry += 1) this.#insert(entry);
    }

    /**
     * Slides every current record down over the garbage, in slab order, and drops the slabs left
     * empty. A record only ever moves to an earlier position (never past its own), so it cannot
     * overwrite one not yet moved; Buffer#copy handles the overlap within a slab.
     */
    #compact(): void {
        const order = new Uint32Array(this.#count);
        for (let entry = 0; entry < this.#count; entry += 1) order[entry] = entry;
        const slabOf = this.#slabOf;
        const offsetOf = this.#offsetOf;
        order.sort((a, b) => (slabOf[a] ?? 0) - (slabOf[b] ?? 0) || (offsetOf[a] ?? 0) - (offsetOf[b] ?? 0));
        let target = 0;
        let used = 0;
        for (const entry of order) {
            const length = (this.#idLength[entry] ?? 0) + (this.#payloadLength[entry] ?? 0);
            let into = this.#slabs[target];
            while (into !== undefined && used + length > into.length) {
                target += 1;
                used = 0;
                into = this.#slabs[target];
            }
            // Unreachable: the record's own position is always a place it fits.
            if (into === undefined) throw new RangeError('Compaction ran past the last slab');
            const from = this.#slab(entry);
            const at = offsetOf[entry] ?? 0;
            if (into !== from || used !== at) from.copy(into, used, at, at + length);
            slabOf[entry] = target;
            offsetOf[entry] = used;
            used += length;
        }
        this.#slabs.length = this.#count === 0 ? 0 : target + 1;
        this.#used = used;
        this.#held = this.#live;
    }
}

/** FNV-1a over the id's bytes. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let k = start; k < end; k += 1) h = Math.imul(h ^ (bytes[k] ?? 0), 0x01000193);
    return h >>> 0;
}
