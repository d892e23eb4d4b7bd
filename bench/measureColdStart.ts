import { globSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { childEnv, withSandbox } from './benchSandbox.js';
import type { BenchOptions } from './options.js';
import { runChild } from './runChild.js';
import { summarize, type Summary } from './summary.js';

export interface ColdStartResult {
    /** What package.json `main` resolves to: the files the Functions host loads. */
    readonly entry: readonly string[];
    readonly entryImportMs: Summary;
    readonly sdkImportMs: Summary;
    /** Entry import over the four SDK packages' import, per run. */
    readonly importRatio: Summary;
    readonly firstResponseMs: Summary;
    readonly rawCallsMs: Summary;
    /** First response over the sum of the raw calls, per run. */
    readonly firstResponseRatio: Summary;
}

/** The files package.json `main` names (a glob in the Functions template's style, or one file). */
export function deployedEntry(root: string): string[] {
    const { main } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { main: string };
    const files = globSync(main, { cwd: root }).map((file) => resolve(root, file));
    if (files.length === 0) throw new Error(`package.json main (${main}) matches no file: run npm run build.`);
    return files;
}

/** Cold start in fresh processes: (a) import time against the SDKs', (b) first response against the raw calls. */
export async function measureColdStart(options: BenchOptions, root: string): Promise<ColdStartResult> {
    const entry = deployedEntry(root);
    return withSandbox(1000, async (sandbox) => {
        const env = childEnv(sandbox);
        const runs: { entry: number; sdk: number; first: number; raw: number }[] = [];
        for (let run = 0; run < options.coldRuns; run += 1) {
            const app = await runChild<{ importMs: number }>('importChild', entry, {});
            const sdk = await runChild<{ importMs: number }>('importChild', ['sdk'], {});
            const first = await runChild<{ firstResponseMs: number }>('firstResponseChild', entry, env);
            const raw = await runChild<{ sumMs: number }>('rawCallsChild', [], env);
            runs.push({ entry: app.importMs, sdk: sdk.importMs, first: first.firstResponseMs, raw: raw.sumMs });
            sandbox.clearRequestLog();
        }
        return {
            entry: entry.map((file) => file.slice(root.length + 1)),
            entryImportMs: summarize(runs.map((r) => r.entry)),
            sdkImportMs: summarize(runs.map((r) => r.sdk)),
            importRatio: summarize(runs.map((r) => r.entry / r.sdk)),
            firstResponseMs: summarize(runs.map((r) => r.first)),
            rawCallsMs: summarize(runs.map((r) => r.raw)),
            firstResponseRatio: summarize(runs.map((r) => r.first / r.raw)),
        };
    });
}
