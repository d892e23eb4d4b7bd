import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The Node flags the Functions host passes to the deployed worker (app setting
 * `languageWorkers__node__arguments`, read from the same file as Bicep and the settings example
 * should be), so every child runs under the same V8 settings as the app in Azure.
 */
export const workerNodeArguments: readonly string[] = (
    JSON.parse(readFileSync(new URL('../../src/runtime/nodeWorkerSettings.json', import.meta.url), 'utf8')) as {
        languageWorkers__node__arguments: string;
    }
).languageWorkers__node__arguments
    .split(' ')
    .filter((a) => a !== '');

/**
 * Runs one bench child (a compiled file under bench/children) in a fresh `node` process with the
 * deployed worker's Node flags, so
 * what it measures is its own: the sandbox and Azurite live in other processes. The child
 * prints one JSON line on stdout.
 */
export async function runChild<T>(name: string, args: readonly string[], env: Readonly<Record<string, string>>): Promise<T> {
    const file = fileURLToPath(new URL(`./children/${name}.js`, import.meta.url));
    const child = spawn(process.execPath, [...workerNodeArguments, file, ...args], {
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
