/** A figure measured over several runs: its median, with the spread the runs showed. */
export interface Summary {
    readonly median: number;
    readonly min: number;
    readonly max: number;
    readonly runs: number;
}

export function summarize(values: readonly number[]): Summary {
    if (values.length === 0) throw new Error('No values to summarize.');
    const sorted = [...values].sort((a, b) => a - b);
    const at = (index: number): number => sorted[index] ?? Number.NaN;
    const middle = sorted.length >> 1;
    const median = sorted.length % 2 === 1 ? at(middle) : (at(middle - 1) + at(middle)) / 2;
    return { median, min: at(0), max: at(sorted.length - 1), runs: sorted.length };
}

/** The nearest-rank percentile of a sample (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
    if (values.length === 0) throw new Error('No values for a percentile.');
    const sorted = [...values].sort((a, b) => a - b);
    const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
    return sorted[rank - 1] ?? Number.NaN;
}
