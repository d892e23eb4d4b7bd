import type { Writable } from 'node:stream';
import { formatNdjson } from './formatNdjson.js';
import { writeChunk } from './writeChunk.js';

/** Writes one JSON object per line, waiting for drain (see writeChunk). */
export async function writeNdjson(items: readonly unknown[], out: Writable = process.stdout): Promise<void> {
    await writeChunk(formatNdjson(items), out);
}
