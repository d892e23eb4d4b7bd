/**
 * The test command: creates a throwaway sandbox CA, then runs node:test over the built tests
 * with NODE_EXTRA_CA_CERTS pointing at it (Node reads that variable only at process start).
 * Extra arguments are passed to `node --test` (e.g. a file glob).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandboxCa, writeSandboxCa } from '../sandbox/index.js';

const dir = await mkdtemp(join(tmpdir(), 'graph-users-test-ca-'));
let code: number | null = 1;
try {
    await writeSandboxCa(await createSandboxCa(), dir);
    const patterns = process.argv.slice(2);
    const child = spawn(
        process.execPath,
        [
            '--test',
            '--test-concurrency=2',
            // The secret-hygiene guard watches every test process (see test/support/hygieneGuard.ts).
            '--import',
            './dist/test/support/hygieneGuard.js',
            ...(patterns.length > 0 ? patterns : ['dist/test/**/*.test.js']),
        ],
        { stdio: 'inherit', env: { ...process.env, SANDBOX_CA_DIR: dir, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') } },
    );
    [code] = (await once(child, 'close')) as [number | null];
} finally {
    await rm(dir, { recursive: true, force: true });
}
process.exitCode = code ?? 1;
