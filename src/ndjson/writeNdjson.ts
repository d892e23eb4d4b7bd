import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { formatNdjson } from './formatNdjson.js';

/**
 * Writes one JSON object per line, waiting for drain so memory stays flat. A stream destroyed
 * by its consumer (e.g. a failed upload) never drains, so that is checked before and while
 * waiting, or the export would hang instead of failing.
 */
export async function writeNdjson(items: readonly unknown[], out: Writable = process.stdout): Promise<void> {
    throwIfDestroyed(out);
    if (out.write(formatNdjson(items))) return;
    const controller = new AbortController();
    try {
        await Promise.race([once(out, 'drain', { signal: controller.signal }), once(out, 'close', { signal: controller.signal })]);
    } finally {
        controller.abort();
    }
    throwIfDestroyed(out);
}

function throwIfDestroyed(out: Writable): void {
    if (out.destroyed) throw out.errored ?? new Error('The output stream was closed before all users were written.');
}
