import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { runNodeChild, startNodeChild, type NodeChildResult } from '../support/runNodeChild.js';
import { startGuardedSandbox } from '../support/startGuardedSandbox.js';

const LOCK_HOLDER = fileURLToPath(new URL('../export/fixtures/holdLockFile.js', import.meta.url));

function runCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<NodeChildResult> {
    return runNodeChild(['dist/src/cli/main.js', ...args], env);
}

describe('graph-users CLI', () => {
    it('list --all --sandbox prints every user once as NDJSON (the README main command)', async () => {
        // Without the test runner's CA variables, so the CLI's own re-exec with a fresh CA is exercised.
        const { SANDBOX_CA_DIR: _dir, NODE_EXTRA_CA_CERTS: _ca, ...env } = process.env;
        const result = await runCli(['list', '--all', '--sandbox', '--users', '1500'], env);
        assert.equal(result.code, 0, result.stderr);
        const lines = result.stdout.trim().split('\n');
        assert.equal(lines.length, 1500);
        const ids = new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id));
        assert.equal(ids.size, 1500);
        assert.doesNotMatch(result.stderr, /eyJ[A-Za-z0-9_-]{4,}\./);
    });

    for (const credential of ['keyVaultCertificate', 'managedIdentity'] as const) {
        it(`list --all --sandbox --credential ${credential} prints every user once`, async () => {
            const result = await runCli(['list', '--all', '--sandbox', '--users', '1200', '--credential', credential]);
            assert.equal(result.code, 0, result.stderr);
            const ids = new Set(
                result.stdout
                    .trim()
                    .split('\n')
                    .map((l) => (JSON.parse(l) as { id: string }).id),
            );
            assert.equal(ids.size, 1200);
            assert.doesNotMatch(result.stderr, /eyJ[A-Za-z0-9_-]{4,}\.|PRIVATE KEY/);
        });
    }

    it('--credential takes exactly the GRAPH_CREDENTIAL values, and only with --sandbox', async () => {
        const bad = await runCli(['list', '--sandbox', '--credential', 'certificate']);
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /--credential must be one of keyVaultSecret, keyVaultCertificate, managedIdentity/);
        const alone = await runCli(['list', '--credential', 'managedIdentity']);
        assert.equal(alone.code, 2);
        assert.match(alone.stderr, /--credential applies to --sandbox only; set GRAPH_CREDENTIAL/);
    });

    it('list with --top and --select prints one page', async () => {
        const result = await runCli(['list', '--top', '3', '--select', 'displayName', '--sandbox', '--users', '10']);
        assert.equal(result.code, 0, result.stderr);
        const lines = result.stdout
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as Record<string, unknown>);
        assert.equal(lines.length, 3);
        assert.deepEqual(Object.keys(lines[0] ?? {}).sort(), ['displayName', 'id']);
    });

    it('export --sandbox writes one snapshot to Azurite and prints the manifest', async () => {
        const result = await runCli(['export', '--sandbox', '--users', '1200']);
        assert.equal(result.code, 0, result.stderr);
        const manifest = JSON.parse(result.stdout) as { userCount: number; blobName: string };
        assert.equal(manifest.userCount, 1200);
        assert.match(result.stderr, /Exporting to Azurite at http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1/);
        assert.ok(result.stderr.includes(`Snapshot: http://127.0.0.1:`) && result.stderr.includes(manifest.blobName), result.stderr);
        assert.doesNotMatch(result.stderr, /AccountKey=[^[]/);
    });

    it('export --to DIR writes the container layout to a folder', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'graph-users-export-'));
        try {
            const result = await runCli(['export', '--to', dir, '--sandbox', '--users', '1200'], {
                ...process.env,
                USERS_EXPORT_GZIP: 'true',
            });
            assert.equal(result.code, 0, result.stderr);
            const manifest = JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8')) as {
                userCount: number;
                blobName: string;
                sha256: string;
            };
            assert.deepEqual(JSON.parse(result.stdout), manifest);
            assert.match(manifest.blobName, /^snapshots\/\d{4}\/\d{2}\/\d{2}\/[^/]+\.ndjson\.gz$/);
            const stored = await readFile(join(dir, manifest.blobName));
            assert.equal(createHash('sha256').update(stored).digest('hex'), manifest.sha256);
            assert.equal(gunzipSync(stored).toString('utf8').trim().split('\n').length, 1200);
            const files = await readdir(dir, { recursive: true });
            assert.ok(
                files.every((f) => !f.endsWith('.partial') && !f.endsWith('.tmp') && !f.endsWith('.lock')),
                files.join(', '),
            );
        } finally {
            await rm(dir, { recursive: true, force: true });
        }
    });

    it('a second export --to the same folder reads only the changes; --full reads everything', async () => {
        const sandbox = await startGuardedSandbox({ userCount: 1500 });
        const dir = await mkdtemp(join(tmpdir(), 'graph-users-export-'));
        try {
            const env = { ...process.env, ...sandbox.settings };
            const exportTo = async (
                ...extra: string[]
            ): Promise<{ mode: string; fullReadReason?: string; userCount: number; changes?: { updated: number } }> => {
                const result = await runCli(['export', '--to', dir, ...extra], env);
                assert.equal(result.code, 0, result.stderr);
                return JSON.parse(result.stdout) as {
                    mode: string;
                    fullReadReason?: string;
                    userCount: number;
                    changes?: { updated: number };
                };
            };
            assert.equal((await exportTo()).fullReadReason, 'noState');
            const state = await stat(join(dir, 'delta-state.json'));
            assert.equal(state.mode & 0o777, 0o600, 'the delta state is readable by its owner only');
            sandbox.directory.update(7);
            const second = await exportTo();
            assert.equal(second.mode, 'incremental');
            assert.equal(second.changes?.updated, 1);
            assert.equal(second.userCount, 1500);
            const forced = await exportTo('--full');
            assert.deepEqual([forced.mode, forced.fullReadReason], ['full', 'forced']);
            const { deltaLink } = JSON.parse(await readFile(join(dir, 'delta-state.json'), 'utf8')) as { deltaLink: string };
            assert.ok(deltaLink.startsWith(`${sandbox.settings.GRAPH_ENDPOINT ?? ''}/v1.0/users/delta?`), 'the state holds the deltaLink');
        } finally {
            await rm(dir, { recursive: true, force: true });
            await sandbox.close();
        }
    });

    it('export --to DIR takes over the lock of an export killed while writing latest.json', async () => {
        const sandbox = await startGuardedSandbox({ userCount: 1200 });
        const dir = await mkdtemp(join(tmpdir(), 'graph-users-export-'));
        try {
            const holder = startNodeChild([LOCK_HOLDER, join(dir, 'latest.json.lock')]);
            await holder.untilStdout('locked');
            await holder.kill();
            const result = await runCli(['export', '--to', dir], { ...process.env, ...sandbox.settings });
            assert.equal(result.code, 0, result.stderr);
            assert.equal((JSON.parse(result.stdout) as { userCount: number }).userCount, 1200);
            assert.deepEqual(
                (await readdir(dir)).filter((f) => f.includes('lock')),
                [],
            );
        } finally {
            await rm(dir, { recursive: true, force: true });
            await sandbox.close();
        }
    });

    it('--full applies to export only', async () => {
        const result = await runCli(['list', '--full']);
        assert.equal(result.code, 2);
        assert.match(result.stderr, /--full applies to export only/);
    });

    it('a missing setting names every bad setting and exits 2', async () => {
        const env = { PATH: process.env.PATH ?? '', KEY_VAULT_URL: 'http://kv.example' };
        const result = await runCli(['list'], env);
        assert.equal(result.code, 2);
        assert.match(result.stderr, /GRAPH_TENANT_ID is required/);
        assert.match(result.stderr, /GRAPH_CLIENT_ID is required/);
        assert.match(result.stderr, /KEY_VAULT_URL must use https/);
    });

    it('rejects bad arguments with usage', async () => {
        const result = await runCli(['list', '--top', '0', '--sandbox', '--users', '5']);
        assert.equal(result.code, 2);
        assert.match(result.stderr, /"top" must be a whole number from 1 to 999/);
    });
});
