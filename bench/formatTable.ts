import type { BenchResults } from './BenchResults.js';
import type { Summary } from './summary.js';

function cell(s: Summary, digits = 1): string {
    return `${s.median.toFixed(digits)} [${s.min.toFixed(digits)}..${s.max.toFixed(digits)}]`;
}

/** The table `npm run bench` prints: medians with [min..max] over the runs. */
export function formatTable(r: BenchResults): string {
    const rows: [string, string][] = [];
    const { throughput: t } = r;
    for (const f of t.byLatency) {
        const at = `${t.users} users, ${f.latencyMs} ms/page`;
        rows.push([`export baseline ms (${at})`, cell(f.baselineMs, 0)]);
        rows.push([`export discard sink ms (${at})`, cell(f.discardMs, 0)]);
        rows.push([`export Azurite ms (${at})`, cell(f.azuriteMs, 0)]);
        rows.push([`  ratio discard/baseline`, cell(f.discardRatio, 3)]);
        rows.push([`  ratio Azurite/baseline`, cell(f.azuriteRatio, 3)]);
    }
    for (const m of r.memory) {
        rows.push([`peak RSS MB, export of ${m.users} users to Azurite`, cell(m.peakRssMb)]);
        rows.push([`  users/s`, cell(m.usersPerSecond, 0)]);
    }
    rows.push(['peak RSS growth, largest vs smallest', r.memoryGrowth.toFixed(3)]);
    const i = r.invocation;
    rows.push(['warm handler ms p50 / p99', `${cell(i.handlerP50Ms, 2)} / ${cell(i.handlerP99Ms, 2)}`]);
    rows.push(['direct Graph ms p50 / p99', `${cell(i.directP50Ms, 2)} / ${cell(i.directP99Ms, 2)}`]);
    rows.push(['warm overhead ms p50 / p99', `${cell(i.overheadP50Ms, 2)} / ${cell(i.overheadP99Ms, 2)}`]);
    for (const k of r.tokenPath) {
        rows.push([
            `token path, ${k.credential}, per ${k.invocations} invocations`,
            `${k.keyVaultReads} Key Vault read(s), ${k.managedIdentityRequests} identity request(s), ${k.tokenRequests} token request(s), ${k.failures} failures`,
        ]);
        rows.push([`  cold first token ms (credential + Entra)`, cell(k.coldFirstTokenMs)]);
        rows.push([`  warm getToken µs p50 / p99`, `${cell(k.warmTokenP50Us)} / ${cell(k.warmTokenP99Us)}`]);
    }
    const a = r.callerAuth;
    rows.push(['caller token validation ms p50 / p99, warm', `${cell(a.validationP50Ms, 3)} / ${cell(a.validationP99Ms, 3)}`]);
    rows.push([
        `  ${a.validations} validations from cold at concurrency 200`,
        `${a.jwksFetches} key-set fetch(es) at most, ${a.failures} failures`,
    ]);
    const c = r.coldStart;
    rows.push(['cold import ms, deployed entry (package.json main)', cell(c.entryImportMs)]);
    rows.push(['cold import ms, the four SDK packages', cell(c.sdkImportMs)]);
    rows.push(['  ratio entry/SDKs', cell(c.importRatio, 3)]);
    rows.push(['cold first response ms (import+KV+token+page)', cell(c.firstResponseMs)]);
    rows.push(['raw calls ms (MI+KV+token+page, bare fetch)', cell(c.rawCallsMs)]);
    rows.push(['  ratio first response/raw', cell(c.firstResponseRatio, 2)]);
    for (const s of r.streaming) {
        rows.push([`all=true, ${s.caller}, ${s.users} users: MB held / MB queued`, `${cell(s.heldMb, 2)} / ${cell(s.maxQueuedMb, 2)}`]);
        rows.push([
            `  Graph pages read / after the caller stopped`,
            `${cell(s.graphPages, 0)} / ${cell(s.graphPagesAfterGone, 0)}, ${s.lateLogWarnings} late-log warning(s)`,
        ]);
    }
    const d = r.delta;
    const at = `${d.users} users, ${d.changedUsers} changed, ${d.latencyMs} ms/page`;
    rows.push([`full export ms (${at})`, cell(d.fullMs, 0)]);
    rows.push([`incremental export ms (${at})`, cell(d.incrementalMs, 0)]);
    rows.push(['  ratio incremental/full wall time', cell(d.wallRatio, 3)]);
    rows.push(['Graph requests, full / incremental', `${cell(d.fullRequests, 0)} / ${cell(d.incrementalRequests, 0)}`]);
    rows.push(['  ratio incremental/full requests', cell(d.requestRatio, 4)]);
    rows.push(['change file bytes', cell(d.changeFileBytes, 0)]);
    rows.push(['merge users/s (read base, merge, upload)', cell(d.mergeUsersPerSecond, 0)]);
    rows.push(['peak RSS MB, incremental export', cell(d.incrementalPeakRssMb)]);
    const width = Math.max(...rows.map(([name]) => name.length));
    const goals = r.goals.map((g) => `${g.met ? 'met   ' : 'MISSED'}  ${g.name}: ${Number(g.value.toFixed(3))} (goal ${g.target})`);
    return [
        `median [min..max] of ${r.meta.options.runs} run(s) (${r.meta.options.coldRuns} for cold start); node ${r.meta.node}, ${r.meta.cpus} CPUs`,
        ...rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`),
        `deployed entry: ${c.entry.join(', ')}`,
        '',
        ...goals,
    ].join('\n');
}
