import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandboxCa, writeSandboxCa } from './SandboxCa.js';

/**
 * Runs `node <args>` trusting a throwaway sandbox CA. Node reads NODE_EXTRA_CA_CERTS only at
 * start-up, so the CA is written first and the child gets it (and SANDBOX_CA_DIR, so its sandbox
 * serves certificates from the same CA); the directory is removed afterwards. Returns the exit code.
 */
export async function runTrustingSandboxCa(args: readonly string[]): Promise<number> {
    const dir = await mkdtemp(join(tmpdir(), 'graph-users-sandbox-ca-'));
    try {
        await writeSandboxCa(await createSandboxCa(), dir);
        const child = spawn(process.execPath, [...args], {
            stdio: 'inherit',
            env: { ...process.env, SANDBOX_CA_DIR: dir, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') },
        });
        const [code] = (await once(child, 'close')) as [number | null];
        return code ?? 1;
    } finally {
        await rm(dir, { recursive: true, force: true });
    }
}
