const NEWLINE = Buffer.from('\n');
/** Enough for a write of its own; small enough that a batch never holds much beside what it copies. */
const READY_BYTES = 1024 * 1024;

/** Collects NDJSON lines and hands them out as one buffer, so many lines are one write. */
export class LineBatch {
    #parts: Uint8Array[] = [];
    #length = 0;

    /** Adds one line (without its "\n"), given as the parts it is made of. Views into larger buffers are fine: `take` copies. */
    add(...parts: readonly Uint8Array[]): void {
        for (const part of parts) {
            this.#parts.push(part);
            this.#length += part.length;
        }
        this.#parts.push(NEWLINE);
        this.#length += 1;
    }

    /** True once the batch holds about 1 MiB: write it out before adding more, so a batch stays small. */
    get ready(): boolean {
        return this.#length >= READY_BYTES;
    }

    /** The lines added since the last take, as one buffer. */
    take(): Buffer {
        const out = Buffer.concat(this.#parts, this.#length);
        this.#parts = [];
        this.#length = 0;
        return out;
    }
}
