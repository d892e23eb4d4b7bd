import type { Azurite } from '../sandbox/index.js';
import { childEnv, withContainer, withSandbox } from './benchSandbox.js';
import type { BenchOptions } from './options.js';
import { runChild } from './runChild.js';
import { summarize, type Summary } from './summary.js';

interface ExportRun {
    readonly elapsedMs: number;
    readonly maxRssKb: number;
}

export interface MemoryFigure {
    readonly users: number;
    readonly peakRssMb: Summary;
    /** The same runs' throughput into Azurite, for the chart. */
    readonly usersPerSecond: Summary;
}

/** Peak RSS of a full export to Azurite, in a child process per run (the sandbox and Azurite stay out of it). */
export async function measureMemory(options: BenchOptions, azurite: Azurite): Promise<MemoryFigure[]> {
    const figures: MemoryFigure[] = [];
    for (const users of options.memorySizes) {
        const runs = await withSandbox(users, async (sandbox) => {
            const results: ExportRun[] = [];
            for (let run = 0; run < options.runs; run += 1) {
                results.push(
                    await withContainer(azurite, (container) =>
                        runChild<ExportRun>('exportChild', ['azurite'], childEnv(sandbox, azurite, container)),
                    ),
                );
                sandbox.clearRequestLog();
            }
            return results;
        });
        figures.push({
            users,
            peakRssMb: summarize(runs.map((r) => r.maxRssKb / 1024)),
            usersPerSecond: summarize(runs.map((r) => users / (r.elapsedMs / 1000))),
        });
    }
    return figures;
}
