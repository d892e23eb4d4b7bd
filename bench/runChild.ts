import { fileURLToPath } from 'node:url';
import { runNodeChildJson } from '../test/support/runNodeChild.js';
import { workerNodeArguments } from '../test/support/workerNodeArguments.js';

/**
 * Runs one bench child (a compiled file under bench/children) in a fresh `node` process with the
 * deployed worker's Node flags, so what it measures is its own: the sandbox and Azurite live in
 * other processes. The child prints one JSON line on stdout.
 */
export function runChild<T>(name: string, args: readonly string[], env: Readonly<Record<string, string>>): Promise<T> {
    const file = fileURLToPath(new URL(`./children/${name}.js`, import.meta.url));
    return runNodeChildJson<T>([...workerNodeArguments, file, ...args], { ...process.env, ...env });
}
