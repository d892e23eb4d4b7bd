import { fileURLToPath } from 'node:url';
import type { SnapshotExportResult } from '../../src/export/runSnapshotExport.js';
import { runNodeChildJson } from './runNodeChild.js';
import type { ExportTarget } from './startExportTestKit.js';

const CHILD = fileURLToPath(new URL('../export/fixtures/exportInChild.js', import.meta.url));

export interface ChildExport {
    readonly manifest: SnapshotExportResult['manifest'];
    readonly timings: SnapshotExportResult['timings'];
    /** Peak RSS of the child, in KiB (Linux). */
    readonly maxRssKb: number;
}

/** One export to `target` in a fresh process, so its peak RSS is the export's alone (the sandbox and Azurite stay here). */
export function exportInChild(
    target: ExportTarget,
    options: { readonly flags?: readonly string[]; readonly full?: boolean } = {},
): Promise<ChildExport> {
    const args = [...(options.flags ?? []), CHILD, ...(options.full === true ? ['--full'] : [])];
    return runNodeChildJson<ChildExport>(args, { ...process.env, ...target.env });
}
