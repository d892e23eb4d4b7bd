import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SnapshotExportResult } from '../../src/export/runSnapshotExport.js';
import type { ExportTarget } from './startExportTestKit.js';

const CHILD = fileURLToPath(new URL('../export/fixtures/exportInChild.js', import.meta.url));

/** The Node flags the Functions host gives the deployed worker (src/runtime/nodeWorkerSettings.json). */
export const workerFlags: readonly string[] = (
    JSON.parse(readFileSync('src/runtime/nodeWorkerSettings.json', 'utf8')) as { languageWorkers__node__arguments: string }
).languageWorkers__node__arguments
    .split(' ')
    .filter((a) => a !== '');

export interface ChildExport {
    readonly manifest: SnapshotExportResult['manifest'];
    readonly timings: SnapshotExportResult['timings'];
    /** Peak RSS of the child, in KiB (Linux). */
    readonly maxRssKb: number;
}

/** One export to `target` in a fresh process, so its peak RSS is the export's alone (the sandbox and Azurite stay here). */
export async function exportInChild(
    target: ExportTarget,
    options: { readonly flags?: readonly string[]; readonly full?: boolean } = {},
): Promise<ChildExport> {
    const args = [...(options.flags ?? []), CHILD, ...(options.full === true ? ['--full'] : [])];
    const child = spawn(process.execPath, args, { env: { ...process.env, ...target.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr = (stderr + d).slice(-4000);
    });
    const [code] = (await once(child, 'close')) as [number | null];
    assert.equal(code, 0, stderr);
    return JSON.parse(stdout) as ChildExport;
}
