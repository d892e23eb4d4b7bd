import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';

async function runCli(
    args: readonly string[],
    env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, ['dist/src/cli/main.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const [code] = (await once(child, 'close')) as [number | null];
    return { code, stdout, stderr };
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

    it('export --sandbox runs the timer job once', async () => {
        const result = await runCli(['export', '--sandbox', '--users', '1200']);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stderr, /Read 1200 users in 2 pages/);
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
