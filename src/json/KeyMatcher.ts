import { decodeString } from './scanJson.js';

/**
 * Finds which of a few known names a raw JSON key is, comparing bytes, so the hot path (one
 * lookup per property of every user) decodes no strings. A key written with escapes (`"\u0069d"`
 * is `id` too) takes the slow path and is decoded first.
 */
export class KeyMatcher {
    readonly names: readonly string[];
    readonly #encoded: readonly Buffer[];
    readonly #byName: ReadonlyMap<string, number>;

    constructor(names: readonly string[]) {
        this.names = names;
        this.#encoded = names.map((name) => Buffer.from(name, 'utf8'));
        this.#byName = new Map(names.map((name, index) => [name, index]));
    }

    /**
     * Index of the key spanning `start`..`end` (quotes included) in `names`, or -1. `guess`: the
     * likely answer, tried first (Graph writes every user's properties in the same order).
     */
    indexOf(b: Buffer, start: number, end: number, guess = -1): number {
        const length = end - start - 2;
        if (guess >= 0 && this.#matches(b, start + 1, length, guess)) return guess;
        for (let index = 0; index < this.#encoded.length; index += 1) {
            if (index !== guess && this.#matches(b, start + 1, length, index)) return index;
        }
        let escaped = false;
        for (let k = start + 1; k < end - 1; k += 1) if (b[k] === 0x5c) escaped = true;
        return escaped ? (this.#byName.get(decodeString(b, start, end)) ?? -1) : -1;
    }

    #matches(b: Buffer, at: number, length: number, index: number): boolean {
        const name = this.#encoded[index];
        if (name?.length !== length) return false;
        for (let k = 0; k < length; k += 1) if (b[at + k] !== name[k]) return false;
        return true;
    }
}
