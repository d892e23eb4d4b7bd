import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';

/** How a `node` child ended and what it printed. */
export interface NodeChildResult {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** A `node` child still running, its output collected as it comes. */
export interface RunningNodeChild {
    readonly pid: number;
    /** Resolves with stdout so far once it contains `text`; rejects if the child ends first. */
    untilStdout(text: string): Promise<string>;
    /** Kills it with SIGKILL (a crash: no handler runs) and resolves once it is gone. */
    kill(): Promise<NodeChildResult>;
    /** Resolves when it ends by itself. */
    readonly ended: Promise<NodeChildResult>;
}

/**
 * Starts `node <args>` (this process's Node binary) with `env` as its whole environment, stdout and
 * stderr collected. Every test and bench child goes through here.
 */
export function startNodeChild(args: readonly string[], env: NodeJS.ProcessEnv = process.env): RunningNodeChild {
    const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const ended = (once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>).then(([code, signal]) => ({
        code,
        signal,
        stdout,
        stderr,
    }));
    if (child.pid === undefined) throw new Error(`node ${args.join(' ')} did not start`);
    return {
        pid: child.pid,
        ended,
        async untilStdout(text) {
            while (!stdout.includes(text)) {
                const next = await Promise.race([once(child.stdout, 'data').then(() => false), ended.then(() => true)]);
                if (next && !stdout.includes(text)) {
                    throw new Error(
                        `node ${args.join(' ')} ended (${String((await ended).code)}) before printing "${text}":\n${stderr.slice(-4000)}`,
                    );
                }
            }
            return stdout;
        },
        async kill() {
            child.kill('SIGKILL');
            return ended;
        },
    };
}

/** Runs `node <args>` to its end. */
export function runNodeChild(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<NodeChildResult> {
    return startNodeChild(args, env).ended;
}

/** Runs `node <args>` to its end and parses the last line of its stdout as JSON; a failed child throws with its stderr's tail. */
export async function runNodeChildJson<T>(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<T> {
    const { code, signal, stdout, stderr } = await runNodeChild(args, env);
    const line = stdout.trim().split('\n').at(-1) ?? '';
    if (code !== 0 || line === '') {
        throw new Error(`node ${args.join(' ')} exited with ${String(code ?? signal)}:\n${stderr.slice(-4000)}`);
    }
    return JSON.parse(line) as T;
}
