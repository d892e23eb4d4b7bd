import { parseArgs } from 'node:util';

export interface BenchOptions {
    /** Directory size of the throughput export. */
    readonly users: number;
    /** Runs per figure; each figure is the median of these, with min and max. */
    readonly runs: number;
    /** Directory sizes of the memory figure. */
    readonly memorySizes: readonly number[];
    /** Injected Graph latencies per page for the throughput figure. */
    readonly latencies: readonly number[];
    /** Warm invocations counted for the token path. */
    readonly invocations: number;
    /** Handler/direct pairs per warm-overhead run. */
    readonly samples: number;
    /** Fresh processes per cold-start figure. */
    readonly coldRuns: number;
    /** Directory sizes of the `all=true` bounds (a stalled and a disconnecting caller). */
    readonly streamingSizes: readonly number[];
    /** Directory size, Graph latency per page and changed users of the incremental-vs-full figure. */
    readonly deltaUsers: number;
    readonly deltaLatency: number;
    /** Default: 1% of deltaUsers. */
    readonly deltaChanges: number | undefined;
    /** Where results.json and results.svg go. */
    readonly out: string;
}

export const usage = `Usage: npm run bench -- [--users N] [--runs N] [--memory-sizes a,b,c] [--latencies a,b]
                     [--invocations N] [--samples N] [--cold-runs N] [--streaming-sizes a,b]
                     [--delta-users N] [--delta-latency MS] [--delta-changes N] [--out DIR]`;

export function parseBenchOptions(argv: readonly string[], defaultOut: string): BenchOptions {
    const { values } = parseArgs({
        args: [...argv],
        strict: true,
        options: {
            users: { type: 'string', default: '100000' },
            runs: { type: 'string', default: '3' },
            'memory-sizes': { type: 'string', default: '10000,100000,1000000' },
            latencies: { type: 'string', default: '0,20' },
            invocations: { type: 'string', default: '10000' },
            samples: { type: 'string', default: '2000' },
            'cold-runs': { type: 'string', default: '10' },
            'streaming-sizes': { type: 'string', default: '100000,1000000' },
            'delta-users': { type: 'string', default: '1000000' },
            'delta-latency': { type: 'string', default: '100' },
            'delta-changes': { type: 'string' },
            out: { type: 'string', default: defaultOut },
        },
    });
    return {
        users: count('--users', values.users, 1),
        runs: count('--runs', values.runs, 1),
        memorySizes: values['memory-sizes'].split(',').map((v) => count('--memory-sizes', v, 1)),
        latencies: values.latencies.split(',').map((v) => count('--latencies', v, 0)),
        invocations: count('--invocations', values.invocations, 1),
        samples: count('--samples', values.samples, 1),
        coldRuns: count('--cold-runs', values['cold-runs'], 1),
        streamingSizes: values['streaming-sizes'].split(',').map((v) => count('--streaming-sizes', v, 1)),
        deltaUsers: count('--delta-users', values['delta-users'], 1),
        deltaLatency: count('--delta-latency', values['delta-latency'], 0),
        deltaChanges: values['delta-changes'] === undefined ? undefined : count('--delta-changes', values['delta-changes'], 1),
        out: values.out,
    };
}

function count(flag: string, text: string, min: number): number {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min || value > 10_000_000)
        throw new Error(`${flag} must be a whole number >= ${min}: ${text}`);
    return value;
}
