/**
 * `npm run bench` at tiny sizes, in a child process: it runs, and its results.json has every
 * figure as a finite number. No timing is asserted; the real numbers come from the full bench.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { runNodeChild } from '../support/runNodeChild.js';

const MAIN = fileURLToPath(new URL('../../bench/main.js', import.meta.url));
const SMALL = ['--users', '2000', '--runs', '1', '--memory-sizes', '1000,2000', '--latencies', '0,20'];
const FEW = [
    '--invocations',
    '100',
    '--samples',
    '20',
    '--cold-runs',
    '1',
    '--streaming-sizes',
    '5000',
    '--delta-users',
    '3000',
    '--delta-latency',
    '0',
];
const SUMMARY = ['median', 'min', 'max', 'runs'];

function assertFinite(value: unknown, path: string): void {
    assert.equal(typeof value, 'number', `${path} is not a number`);
    assert.ok(Number.isFinite(value), `${path} is not finite`);
}

function assertSummary(value: unknown, path: string): void {
    for (const key of SUMMARY) assertFinite((value as Record<string, unknown>)[key], `${path}.${key}`);
}

it('npm run bench runs at tiny sizes and reports every figure', async () => {
    const out = await mkdtemp(join(tmpdir(), 'graph-users-bench-'));
    try {
        const { code, stderr } = await runNodeChild([MAIN, ...SMALL, ...FEW, '--out', out]);
        assert.equal(code, 0, stderr.slice(-4000));

        const r = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as Record<string, Record<string, unknown>>;
        const throughput = r.throughput as { byLatency: Record<string, unknown>[] };
        assert.deepEqual(
            throughput.byLatency.map((f) => f.latencyMs),
            [0, 20],
        );
        for (const f of throughput.byLatency) {
            for (const key of ['baselineMs', 'discardMs', 'azuriteMs', 'discardRatio', 'azuriteRatio'])
                assertSummary(f[key], `throughput.${key}`);
        }
        const memory = r.memory as unknown as Record<string, unknown>[];
        assert.deepEqual(
            memory.map((m) => m.users),
            [1000, 2000],
        );
        for (const m of memory) for (const key of ['peakRssMb', 'usersPerSecond']) assertSummary(m[key], `memory.${key}`);
        assertFinite(r.memoryGrowth, 'memoryGrowth');
        for (const key of ['handlerP50Ms', 'handlerP99Ms', 'directP50Ms', 'directP99Ms', 'overheadP50Ms', 'overheadP99Ms']) {
            assertSummary(r.invocation?.[key], `invocation.${key}`);
        }
        const tokenPath = r.tokenPath as unknown as Record<string, unknown>[];
        assert.deepEqual(
            tokenPath.map((k) => k.credential),
            ['keyVaultSecret', 'keyVaultCertificate', 'managedIdentity'],
        );
        for (const k of tokenPath) {
            for (const key of ['invocations', 'failures', 'keyVaultReads', 'tokenRequests', 'managedIdentityRequests']) {
                assertFinite(k[key], `tokenPath.${String(k.credential)}.${key}`);
            }
            for (const key of ['coldFirstTokenMs', 'warmTokenP50Us', 'warmTokenP99Us'])
                assertSummary(k[key], `tokenPath.${String(k.credential)}.${key}`);
            assert.equal(k.failures, 0, `${String(k.credential)}: failures`);
            assert.equal(k.tokenRequests, 1, `${String(k.credential)}: token requests`);
            assert.equal(k.managedIdentityRequests, 1, `${String(k.credential)}: identity requests`);
        }
        for (const key of ['validations', 'failures', 'jwksFetches']) assertFinite(r.callerAuth?.[key], `callerAuth.${key}`);
        assert.equal(r.callerAuth?.failures, 0, 'every caller token validated');
        for (const key of ['validationP50Ms', 'validationP99Ms']) assertSummary(r.callerAuth[key], `callerAuth.${key}`);
        for (const key of ['entryImportMs', 'sdkImportMs', 'importRatio', 'firstResponseMs', 'rawCallsMs', 'firstResponseRatio']) {
            assertSummary(r.coldStart?.[key], `coldStart.${key}`);
        }
        const streaming = r.streaming as unknown as Record<string, unknown>[];
        assert.deepEqual(
            streaming.map((s) => [s.users, s.caller]),
            [
                [5000, 'stall'],
                [5000, 'disconnectBeforeFirstByte'],
                [5000, 'disconnectMidBody'],
            ],
        );
        for (const s of streaming) {
            for (const key of ['heldMb', 'maxQueuedMb', 'graphPages', 'graphPagesAfterGone']) assertSummary(s[key], `streaming.${key}`);
            assertFinite(s.lateLogWarnings, 'streaming.lateLogWarnings');
        }
        for (const key of [
            'fullMs',
            'incrementalMs',
            'wallRatio',
            'fullRequests',
            'incrementalRequests',
            'requestRatio',
            'changeFileBytes',
            'mergeUsersPerSecond',
            'incrementalPeakRssMb',
        ]) {
            assertSummary(r.delta?.[key], `delta.${key}`);
        }
        assert.equal(r.delta?.changedUsers, 30);
        const goals = r.goals as unknown as { name: string; value: unknown; met: unknown }[];
        assert.ok(goals.length > 0);
        for (const g of goals) {
            assertFinite(g.value, `goal ${g.name}`);
            assert.equal(typeof g.met, 'boolean');
        }
        assert.ok((await stat(join(out, 'results.svg'))).size > 0);
    } finally {
        await rm(out, { recursive: true, force: true });
    }
});
