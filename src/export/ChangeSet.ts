/** One user's change in a delta round: its new line, or its removal. */
export interface Change {
    readonly id: string;
    /** The user's NDJSON line (without "\n"); undefined for a removal. */
    readonly line: Buffer | undefined;
    /** Removals: Graph's reason (`changed`: soft-deleted, restorable; `deleted`: gone), or null when it gave none. */
    readonly reason: string | null;
}

/**
 * The changes of one delta round, by user id, in memory. Graph may send a user several times in
 * a round, in any order; the last occurrence wins, so replays are harmless. Insertion order
 * (first occurrence) is the order new users are appended in.
 */
export class ChangeSet {
    readonly #changes = new Map<string, Change>();
    /** Hashes of the ids' UTF-8 bytes: lets a merge skip most lines without making a string of their id. */
    readonly #hashes = new Set<number>();
    #bytes = 0;
    #duplicates = 0;

    add(change: Change): void {
        const id = Buffer.from(change.id, 'utf8');
        this.#hashes.add(hashBytes(id, 0, id.length));
        const previous = this.#changes.get(change.id);
        if (previous !== undefined) {
            this.#duplicates += 1;
            this.#bytes -= previous.line?.length ?? 0;
        }
        this.#changes.set(change.id, change);
        this.#bytes += change.line?.length ?? 0;
    }

    get(id: string): Change | undefined {
        return this.#changes.get(id);
    }

    /** False when no change has the id whose UTF-8 bytes are `start`..`end` of `bytes`; true means "maybe". */
    mayHave(bytes: Uint8Array, start: number, end: number): boolean {
        return this.#hashes.has(hashBytes(bytes, start, end));
    }

    /** Distinct users changed. */
    get size(): number {
        return this.#changes.size;
    }

    /** Bytes of the user lines held. */
    get bytes(): number {
        return this.#bytes;
    }

    /** Occurrences beyond the first of a user in this round. */
    get duplicates(): number {
        return this.#duplicates;
    }

    values(): IterableIterator<Change> {
        return this.#changes.values();
    }
}

/** FNV-1a, kept to 30 bits so the Set holds small integers. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let k = start; k < end; k += 1) h = Math.imul(h ^ (bytes[k] ?? 0), 0x01000193);
    return h & 0x3fffffff;
}
