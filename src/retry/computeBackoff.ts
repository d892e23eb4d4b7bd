export interface BackoffOptions {
    readonly baseDelayMs: number;
    readonly maxDelayMs: number;
}

/** Exponential backoff with full jitter (AWS architecture blog): spreads retries of many clients. */
export function computeBackoff(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
    const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt));
    return Math.floor(random() * ceiling);
}
