/**
 * Caller token validation, as the functions do it (createCallerAuthorizer over process.env): from a
 * cold process, `count` validations at concurrency 200 (the parent counts the key-set fetches on the
 * sandbox), then `samples` warm ones timed one by one. Tokens (v1/v2, application/user) come in
 * BENCH_CALLER_TOKENS: the sandbox that signs them lives in the parent.
 */
import { createCallerAuthorizer } from '../../src/runtime/createCallerAuthorizer.js';
import { percentile } from '../summary.js';
import { report } from './report.js';

const CONCURRENCY = 200;
const count = Number(process.argv[2]);
const samples = Number(process.argv[3]);
const tokens = JSON.parse(process.env.BENCH_CALLER_TOKENS ?? '[]') as string[];
const authorizer = createCallerAuthorizer(process.env);
const authorization = (index: number): string => `Bearer ${tokens[index % tokens.length] ?? ''}`;

let next = 0;
let failures = 0;
async function client(): Promise<void> {
    while (next < count) {
        const index = next++;
        try {
            await authorizer.authorize(authorization(index));
        } catch {
            failures += 1;
        }
    }
}
await Promise.all(Array.from({ length: CONCURRENCY }, client));

const warmMs: number[] = [];
for (let i = 0; i < samples; i += 1) {
    const started = performance.now();
    await authorizer.authorize(authorization(i));
    warmMs.push(performance.now() - started);
}
report({ failures, p50: percentile(warmMs, 50), p99: percentile(warmMs, 99) });
