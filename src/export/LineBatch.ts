const NEWLINE = Buffer.from('\n');

/** Collects NDJSON lines and hands them out as one buffer, so each page or chunk is one write. */
export class LineBatch {
    #parts: Uint8Array[] = [];
    #length = 0;

    /** Adds one line (without its "\n"). A view into a larger buffer is fine: `take` copies. */
    add(line: Uint8Array): void {
        this.#parts.push(line, NEWLINE);
        this.#length += line.length + 1;
    }

    /** The lines added since the last take, as one buffer. */
    take(): Buffer {
        const out = Buffer.concat(this.#parts, this.#length);
        this.#parts = [];
        this.#length = 0;
        return out;
    }
}
