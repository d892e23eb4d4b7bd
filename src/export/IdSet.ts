/** Most a table fills before it grows; linear probing stays short below this. */
const MAX_LOAD = 0.75;
/** A table grows to twice what it holds (load 0.5), not to twice its size: 1.5x steps waste less at 1M ids. */
const GROWN_LOAD = 0.5;
const MIN_SLOTS = 1024;
const WORDS = 4;
const TWO_32 = 4_294_967_296;

/**
 * An exact set of user ids for deduplicating one export run. Entra object ids are GUIDs: each is
 * packed into 16 bytes of an open-addressing table (linear probing on a Uint32Array), about
 * 21-32 MB for 1,000,000 ids where a Set<string> takes about 100 MB. Anything else (uppercase,
 * other shapes) goes into a plain Set, so the set is exact for every string. The all-zero GUID
 * marks empty slots, so the nil GUID itself is tracked by a flag.
 */
export class IdSet {
    #slots: Uint32Array;
    #capacity: number;
    #guids = 0;
    #hasNil = false;
    readonly #others = new Set<string>();
    /** Scratch for the GUID being looked up. */
    readonly #key = new Uint32Array(WORDS);

    /** `expected`: how many ids the run will likely hold (e.g. the last snapshot's count), so the table need not grow. */
    constructor(expected = 0) {
        this.#capacity = Math.max(MIN_SLOTS, Math.ceil(expected / (MAX_LOAD - 0.05)));
        this.#slots = new Uint32Array(this.#capacity * WORDS);
    }

    get size(): number {
        return this.#guids + (this.#hasNil ? 1 : 0) + this.#others.size;
    }

    /** Bytes held by the GUID table, for measurements. */
    get tableBytes(): number {
        return this.#slots.byteLength;
    }

    /** Adds `id`; true if it was not in the set yet. */
    add(id: string): boolean {
        const key = this.#key;
        if (!parseGuid(id, key)) {
            if (this.#others.has(id)) return false;
            this.#others.add(id);
            return true;
        }
        if (isEmpty(key, 0)) {
            if (this.#hasNil) return false;
            this.#hasNil = true;
            return true;
        }
        const at = this.#find(this.#slots, this.#capacity, key);
        if (at >= 0) return false;
        if (this.#guids + 1 > this.#capacity * MAX_LOAD) {
            this.#grow();
            this.#insert(this.#slots, this.#capacity, key);
        } else {
            this.#put(this.#slots, -at - 1, key);
        }
        this.#guids += 1;
        return true;
    }

    /** The slot holding `key` (>= 0), or -(empty slot index) - 1 where it would go. */
    #find(slots: Uint32Array, capacity: number, key: Uint32Array): number {
        const a = key[0] ?? 0;
        const b = key[1] ?? 0;
        const c = key[2] ?? 0;
        const d = key[3] ?? 0;
        let index = slotOf(key, capacity);
        for (;;) {
            const o = index * WORDS;
            const s0 = slots[o] ?? 0;
            const s1 = slots[o + 1] ?? 0;
            const s2 = slots[o + 2] ?? 0;
            const s3 = slots[o + 3] ?? 0;
            if ((s0 | s1 | s2 | s3) === 0) return -index - 1;
            if (s0 === a && s1 === b && s2 === c && s3 === d) return index;
            index = index + 1 === capacity ? 0 : index + 1;
        }
    }

    #insert(slots: Uint32Array, capacity: number, key: Uint32Array): void {
        this.#put(slots, -this.#find(slots, capacity, key) - 1, key);
    }

    #put(slots: Uint32Array, index: number, key: Uint32Array): void {
        // Four stores beat TypedArray#set, a builtin call, on this hot path.
        const o = index * WORDS;
        slots[o] = key[0] ?? 0;
        slots[o + 1] = key[1] ?? 0;
        slots[o + 2] = key[2] ?? 0;
        slots[o + 3] = key[3] ?? 0;
    }

    #grow(): void {
        const old = this.#slots;
        const capacity = Math.ceil((this.#guids + 1) / GROWN_LOAD);
        const slots = new Uint32Array(capacity * WORDS);
        const key = new Uint32Array(WORDS);
        for (let o = 0; o < old.length; o += WORDS) {
            if (isEmpty(old, o)) continue;
            key.set(old.subarray(o, o + WORDS));
            this.#insert(slots, capacity, key);
        }
        this.#slots = slots;
        this.#capacity = capacity;
    }
}

/** True when the four words at `o` are all zero: an empty slot, or the nil GUID. */
function isEmpty(words: Uint32Array, o: number): boolean {
    return ((words[o] ?? 0) | (words[o + 1] ?? 0) | (words[o + 2] ?? 0) | (words[o + 3] ?? 0)) === 0;
}

/** Mixes all 128 bits (murmur3's finalizer), then maps onto [0, capacity) without a modulo. */
function slotOf(key: Uint32Array, capacity: number): number {
    let h = (key[0] ?? 0) ^ Math.imul(key[1] ?? 0, 0x9e3779b1) ^ Math.imul(key[2] ?? 0, 0x85ebca6b) ^ (key[3] ?? 0);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return Math.floor(((h >>> 0) / TWO_32) * capacity);
}

/** Value of each lowercase hex digit by character code, -1 for anything else: a table, because hex digits branch unpredictably. */
const HEX = new Int8Array(128).fill(-1);
for (let c = 0; c < 16; c += 1) HEX['0123456789abcdef'.charCodeAt(c)] = c;

/** Parses a lowercase `8-4-4-4-12` GUID into four words; false for anything else. */
function parseGuid(id: string, out: Uint32Array): boolean {
    if (id.length !== 36) return false;
    let word = 0;
    let value = 0;
    let digits = 0;
    for (let i = 0; i < 36; i += 1) {
        const c = id.charCodeAt(i);
        if (i === 8 || i === 13 || i === 18 || i === 23) {
            if (c !== 0x2d) return false;
            continue;
        }
        const v = c < 128 ? (HEX[c] ?? -1) : -1;
        if (v < 0) return false;
        value = (value << 4) | v;
        digits += 1;
        if (digits === 8) {
            out[word] = value >>> 0;
            word += 1;
            value = 0;
            digits = 0;
        }
    }
    return true;
}
