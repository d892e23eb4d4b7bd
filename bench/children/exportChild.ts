/**
 * One export in a process of its own. `baseline`: a bare fetch loop following the nextLinks with
 * a fixed token, bodies discarded. `discard` / `azurite`: the app's full pipeline (Graph client,
 * NDJSON, hashing, sink) into a discarding store or into Azurite. The pipeline's Key Vault read
 * and token are taken before the clock starts, as the baseline's token is.
 */
import { loadExportSettings } from '../../src/config/ExportSettings.js';
import { runSnapshotExport } from '../../src/export/runSnapshotExport.js';
import { createExportRuntime } from '../../src/runtime/createExportRuntime.js';
import { createRuntime } from '../../src/runtime/createRuntime.js';
import { DiscardSnapshotStore } from '../DiscardSnapshotStore.js';
import { report } from './report.js';
import { peakRssKb } from '../../test/support/peakRssKb.js';

const NEXT_LINK = '"@odata.nextLink":"';

interface Run {
    readonly elapsedMs: number;
    readonly pages: number;
}

async function baseline(): Promise<Run> {
    const env = process.env;
    const url = new URL(`${env.GRAPH_ENDPOINT ?? ''}/v1.0/users`);
    url.searchParams.set('$top', '999');
    url.searchParams.set('$select', loadExportSettings(env).select.join(','));
    const headers = { Authorization: `Bearer ${env.BENCH_GRAPH_TOKEN ?? ''}`, Accept: 'application/json' };
    let next: string | undefined = url.toString();
    let pages = 0;
    const started = performance.now();
    while (next !== undefined) {
        const response = await fetch(next, { headers });
        const text = await response.text();
        if (response.status !== 200) throw new Error(`Graph answered ${response.status}`);
        pages += 1;
        // The least a client must do to follow the links: find the nextLink, parse nothing else.
        const at = text.indexOf(NEXT_LINK);
        next =
            at < 0 ? undefined : (JSON.parse(`"${text.slice(at + NEXT_LINK.length, text.indexOf('"', at + NEXT_LINK.length))}"`) as string);
    }
    return { elapsedMs: performance.now() - started, pages };
}

async function pipeline(sink: 'discard' | 'azurite'): Promise<Run> {
    const runtime = createRuntime(process.env);
    await runtime.tokens.getToken();
    const settings = loadExportSettings(process.env);
    const store = sink === 'discard' ? new DiscardSnapshotStore() : createExportRuntime(process.env).store;
    const started = performance.now();
    const { manifest } = await runSnapshotExport({ graph: runtime.graph, store, settings });
    return { elapsedMs: performance.now() - started, pages: manifest.pageCount };
}

const mode = process.argv[2];
if (mode !== 'baseline' && mode !== 'discard' && mode !== 'azurite') throw new Error(`Unknown mode ${String(mode)}`);
const run = mode === 'baseline' ? await baseline() : await pipeline(mode);
report({ ...run, maxRssKb: peakRssKb() });
