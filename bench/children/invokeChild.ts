/**
 * Warm invocation overhead: the HTTP handler (first page, default query) against a bare fetch of
 * the same Graph page with the same token, alternating which goes first. Reports percentiles.
 */
import functions from '@azure/functions';
import { functionKeyAuthorizer } from '../../src/callerAuth/CallerAuthorizer.js';
import { createUsersHttpHandler } from '../../src/functions/handlers/createUsersHttpHandler.js';
import { createRuntime } from '../../src/runtime/createRuntime.js';
import { parseUsersQuery } from '../../src/users/UsersQuery.js';
import { percentile } from '../summary.js';
import { report } from './report.js';

// @azure/functions is CommonJS; Node's ESM named-export detection misses these classes.
const { HttpRequest, InvocationContext } = functions;

const samples = Number(process.argv[2]);
const WARM_UP = 50;

const runtime = createRuntime(process.env);
const handler = createUsersHttpHandler(
    () => runtime,
    () => functionKeyAuthorizer,
);
const query = parseUsersQuery([]);
const directUrl = runtime.graph.usersUrl({ top: query.top, select: query.select });

async function invoke(index: number): Promise<number> {
    const request = new HttpRequest({ method: 'GET', url: 'https://localhost:7071/api/users', headers: { accept: 'application/json' } });
    const context = new InvocationContext({ invocationId: `bench-${index}`, functionName: 'users', logHandler: () => undefined });
    const started = performance.now();
    const response = await handler(request, context);
    const elapsed = performance.now() - started;
    if (response.status !== 200) throw new Error(`handler answered ${String(response.status)}`);
    return elapsed;
}

async function direct(token: string): Promise<number> {
    const started = performance.now();
    const response = await fetch(directUrl, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
    await response.text();
    const elapsed = performance.now() - started;
    if (response.status !== 200) throw new Error(`Graph answered ${response.status}`);
    return elapsed;
}

for (let i = 0; i < WARM_UP; i += 1) await invoke(i);
const { token } = await runtime.tokens.getToken();
for (let i = 0; i < WARM_UP; i += 1) await direct(token);

const handlerMs: number[] = [];
const directMs: number[] = [];
for (let i = 0; i < samples; i += 1) {
    // Alternate the order so neither side always meets a just-used connection or a GC first.
    if (i % 2 === 0) {
        handlerMs.push(await invoke(i));
        directMs.push(await direct(token));
    } else {
        directMs.push(await direct(token));
        handlerMs.push(await invoke(i));
    }
}
report({
    handlerP50: percentile(handlerMs, 50),
    handlerP99: percentile(handlerMs, 99),
    directP50: percentile(directMs, 50),
    directP99: percentile(directMs, 99),
});
