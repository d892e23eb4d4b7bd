/** One JSON document per line, each ending in a newline: the unit every NDJSON writer emits. */
export function formatNdjson(items: readonly unknown[]): string {
    let chunk = '';
    for (const item of items) chunk += `${JSON.stringify(item)}\n`;
    return chunk;
}
