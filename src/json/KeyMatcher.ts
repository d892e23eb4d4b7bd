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

    /** Index of the key spanning `start`..`end` (quotes included) in `names`, or -1. */
    indexOf(b: Buffer, start: number, end: number): number {
        const length = end - start - 2;
        let escaped = false;
        for (let index = 0; index < this.#encoded.length; index += 1) {
            const name = this.#encoded[index] ?? Buffer.alloc(0);
            if (name.length !== length) continue;
            let k = 0;
            while (k < length && b[start + 1 + k] === name[k]) k += 1;
            if (k === length) return index;
        }
        for (let k = start + 1; k < end - 1; k += 1) if (b[k] === 0x5c) escaped = true;
        return escaped ? (this.#byName.get(decodeString(b, start, end)) ?? -1) : -1;
    }
}
