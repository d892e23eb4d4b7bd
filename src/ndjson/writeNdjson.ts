import { once } from 'node:events';

/** Writes one JSON object per line to stdout, waiting for drain so memory stays flat. */
export async function writeNdjson(items: readonly unknown[]): Promise<void> {
    let chunk = '';
    for (const item of items) chunk += `${JSON.stringify(item)}\n`;
    if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
}
