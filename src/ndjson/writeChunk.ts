import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * Writes one chunk, waiting for drain so memory stays flat. A stream destroyed by its consumer
 * (e.g. a failed upload) never drains, so that is checked before and while waiting, or the
 * writer would hang instead of failing.
 */
export async function writeChunk(chunk: string | Uint8Array, out: Writable): Promise<void> {
    throwIfDestroyed(out);
    if (out.write(chunk)) return;
    const controller = new AbortController();
    try {
        await Promise.race([once(out, 'drain', { signal: controller.signal }), once(out, 'close', { signal: controller.signal })]);
    } finally {
        controller.abort();
    }
    throwIfDestroyed(out);
}

function throwIfDestroyed(out: Writable): void {
    if (out.destroyed) throw out.errored ?? new Error('The output stream was closed before everything was written.');
}
