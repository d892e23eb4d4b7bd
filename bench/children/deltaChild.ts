/**
 * One export for the delta figure, in a process of its own: `full` forces a full read (and so
 * leaves the delta state the next run continues from), `incremental` reads only the changes.
 * Azurite is the store, as in Azure; the Key Vault read and the token are taken before the clock.
 */
import { runSnapshotExport } from '../../src/export/runSnapshotExport.js';
import { createExportRuntime } from '../../src/runtime/createExportRuntime.js';
import { createRuntime } from '../../src/runtime/createRuntime.js';
import { report } from './report.js';
import { peakRssKb } from '../../test/support/peakRssKb.js';

const mode = process.argv[2];
if (mode !== 'full' && mode !== 'incremental') throw new Error(`Unknown mode ${String(mode)}`);
const runtime = createRuntime(process.env);
await runtime.tokens.getToken();
const started = performance.now();
const { manifest, timings } = await runSnapshotExport({ graph: runtime.graph, ...createExportRuntime(process.env), full: mode === 'full' });
report({
    elapsedMs: performance.now() - started,
    mode: manifest.mode,
    fullReadReason: manifest.fullReadReason,
    userCount: manifest.userCount,
    graphRequests: manifest.graphRequests,
    changeFileBytes: manifest.changes?.bytes ?? 0,
    changes: manifest.changes === undefined ? 0 : manifest.changes.added + manifest.changes.updated + manifest.changes.removed,
    mergeMs: timings.mergeMs ?? 0,
    maxRssKb: peakRssKb(),
});
