/**
 * `Retry-After` as milliseconds to wait: delta-seconds ("120") or an HTTP-date. Returns undefined
 * when absent or unparseable, so the caller falls back to exponential backoff.
 */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
    if (header === null || header === undefined) return undefined;
    const value = header.trim();
    if (value === '') return undefined;
    if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
    // Only accept something that looks like an HTTP-date; Date.parse is lenient with junk.
    if (!/[A-Za-z]{3}/.test(value)) return undefined;
    const at = Date.parse(value);
    if (Number.isNaN(at)) return undefined;
    return Math.max(0, at - now);
}
