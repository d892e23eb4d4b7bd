/**
 * `npm run bench`: export throughput, memory, warm invocation overhead, token path, caller token validation, cold start
 * and the `all=true` bounds, each in fresh child processes against the offline sandbox and Azurite (which stay in
 * this process and Azurite's own). Prints a table, writes results.json and results.svg.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTrustingSandboxCa, startAzurite } from '../sandbox/index.js';
import { judgeGoals, type BenchResults } from './BenchResults.js';
import { measureCallerAuth } from './measureCallerAuth.js';
import { formatTable } from './formatTable.js';
import { measureColdStart } from './measureColdStart.js';
import { measureDelta } from './measureDelta.js';
import { measureInvocationOverhead, measureTokenPath } from './measureInvocations.js';
import { measureMemory } from './measureMemory.js';
import { measureStreaming } from './measureStreaming.js';
import { measureThroughput } from './measureThroughput.js';
import { parseBenchOptions, usage } from './options.js';
import { renderChart } from './renderChart.js';

/** The repository root: this file runs as dist/bench/main.js. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

async function bench(argv: readonly string[]): Promise<number> {
    let options;
    try {
        options = parseBenchOptions(argv, join(ROOT, 'bench'));
    } catch (error) {
        console.error(`${(error as Error).message}\n${usage}`);
        return 2;
    }
    const progress = (step: string): void => {
        console.error(`[bench] ${step}`);
    };
    const azurite = await startAzurite();
    try {
        progress(`throughput: ${options.users} users x ${options.runs} runs at ${options.latencies.join(', ')} ms`);
        const throughput = await measureThroughput(options, azurite);
        progress(`memory: ${options.memorySizes.join(', ')} users x ${options.runs} runs`);
        const memory = await measureMemory(options, azurite);
        progress(`warm invocations: ${options.samples} samples x ${options.runs} runs; token path: ${options.invocations}`);
        const invocation = await measureInvocationOverhead(options);
        const tokenPath = await measureTokenPath(options);
        progress(`caller tokens: ${options.invocations} validations at concurrency 200, then ${options.samples} timed warm`);
        const callerAuth = await measureCallerAuth(options);
        progress(`cold start: ${options.coldRuns} runs`);
        const coldStart = await measureColdStart(options, ROOT);
        progress(`all=true bounds: ${options.streamingSizes.join(', ')} users x ${options.runs} runs`);
        const streaming = await measureStreaming(options);
        progress(`incremental vs full: ${options.deltaUsers} users at ${options.deltaLatency} ms per page x ${options.runs} runs`);
        const delta = await measureDelta(options, azurite);
        const smallest = memory[0]?.peakRssMb.median ?? Number.NaN;
        const largest = memory.at(-1)?.peakRssMb.median ?? Number.NaN;
        const partial = {
            meta: { node: process.version, date: new Date().toISOString(), cpus: cpus().length, options },
            throughput,
            memory,
            memoryGrowth: largest / smallest - 1,
            invocation,
            tokenPath,
            callerAuth,
            coldStart,
            streaming,
            delta,
        };
        const results: BenchResults = { ...partial, goals: judgeGoals(partial) };
        const out = resolve(options.out);
        await mkdir(out, { recursive: true });
        await writeFile(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
        await writeFile(join(out, 'results.svg'), renderChart(results));
        console.log(formatTable(results));
        console.log(`\nWrote ${join(out, 'results.json')} and ${join(out, 'results.svg')}.`);
        return 0;
    } finally {
        await azurite.close();
    }
}

const trusted = process.env.SANDBOX_CA_DIR !== undefined && process.env.NODE_EXTRA_CA_CERTS !== undefined;
process.exitCode = trusted
    ? await bench(process.argv.slice(2))
    : await runTrustingSandboxCa([...process.execArgv, ...process.argv.slice(1)]);
