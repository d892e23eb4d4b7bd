import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { formatNdjson } from './formatNdjson.js';

/** Writes one JSON object per line, waiting for drain so memory stays flat. */
export async function writeNdjson(items: readonly unknown[], out: Writable = process.stdout): Promise<void> {
    if (!out.write(formatNdjson(items))) await once(out, 'drain');
}
