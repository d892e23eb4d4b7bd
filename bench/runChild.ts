import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/**
 * Runs one bench child (a compiled file under bench/children) in a fresh `node` process, so
 * what it measures is its own: the sandbox and Azurite live in other processes. The child
 * prints one JSON line on stdout.
 */
export async function runChild<T>(name: string, args: readonly string[], env: Readonly<Record<string, string>>): Promise<T> {
    const file = fileURLToPath(new URL(`./children/${name}.js`, import.meta.url));
    const child = spawn(process.execPath, [file, ...args], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr = (stderr + d).slice(-4000);
    });
    const [code] = (await once(child, 'close')) as [number | null];
    const line = stdout.trim().split('\n').at(-1) ?? '';
    if (code !== 0 || line === '') throw new Error(`bench child ${name} ${args.join(' ')} exited with ${String(code)}:\n${stderr}`);
    return JSON.parse(line) as T;
}
