import type { Azurite } from '../sandbox/index.js';
import { childEnv, fetchGraphToken, withContainer, withSandbox } from './benchSandbox.js';
import type { BenchOptions } from './options.js';
import { runChild } from './runChild.js';
import { summarize, type Summary } from './summary.js';

interface ExportRun {
    readonly elapsedMs: number;
    readonly pages: number;
    readonly maxRssKb: number;
}

export interface ThroughputFigure {
    readonly latencyMs: number;
    readonly baselineMs: Summary;
    readonly discardMs: Summary;
    readonly azuriteMs: Summary;
    /** Pipeline time over baseline time, per run (then median, min, max). */
    readonly discardRatio: Summary;
    readonly azuriteRatio: Summary;
}

export interface ThroughputResult {
    readonly users: number;
    readonly pages: number;
    readonly byLatency: readonly ThroughputFigure[];
}

/** Export throughput: the pipeline against a bare fetch loop over the same pages, each run interleaved. */
export async function measureThroughput(options: BenchOptions, azurite: Azurite): Promise<ThroughputResult> {
    return withSandbox(options.users, async (sandbox) => {
        const token = await fetchGraphToken(sandbox);
        const byLatency: ThroughputFigure[] = [];
        let pages = 0;
        for (const latencyMs of options.latencies) {
            sandbox.faults.graph.latencyMs = latencyMs;
            const runs: { baseline: number; discard: number; azurite: number }[] = [];
            for (let run = 0; run < options.runs; run += 1) {
                const base = await runChild<ExportRun>('exportChild', ['baseline'], { ...childEnv(sandbox), BENCH_GRAPH_TOKEN: token });
                const discard = await runChild<ExportRun>('exportChild', ['discard'], childEnv(sandbox));
                const blob = await withContainer(azurite, (container) =>
                    runChild<ExportRun>('exportChild', ['azurite'], childEnv(sandbox, azurite, container)),
                );
                if (discard.pages !== base.pages || blob.pages !== base.pages)
                    throw new Error('The pipeline and the baseline read different pages.');
                pages = base.pages;
                runs.push({ baseline: base.elapsedMs, discard: discard.elapsedMs, azurite: blob.elapsedMs });
                sandbox.clearRequestLog();
            }
            byLatency.push({
                latencyMs,
                baselineMs: summarize(runs.map((r) => r.baseline)),
                discardMs: summarize(runs.map((r) => r.discard)),
                azuriteMs: summarize(runs.map((r) => r.azurite)),
                discardRatio: summarize(runs.map((r) => r.discard / r.baseline)),
                azuriteRatio: summarize(runs.map((r) => r.azurite / r.baseline)),
            });
        }
        sandbox.faults.graph.latencyMs = 0;
        return { users: options.users, pages, byLatency };
    });
}
