/**
 * The token path of one GRAPH_CREDENTIAL mode in a fresh process: the cold first token (credential read
 * or identity token, then Entra ID; the SDKs are loaded before the clock starts), then `count` HTTP
 * handler invocations, 16 at a time, then the warm cost of the token module alone. The parent counts
 * the Key Vault reads, identity requests and token requests its sandbox saw.
 */
import functions from '@azure/functions';
import { functionKeyAuthorizer } from '../../src/callerAuth/CallerAuthorizer.js';
import { createUsersHttpHandler } from '../../src/functions/handlers/createUsersHttpHandler.js';
import { getRuntime } from '../../src/runtime/getRuntime.js';
import { percentile } from '../summary.js';
import { report } from './report.js';

const { HttpRequest, InvocationContext } = functions;
const CONCURRENCY = 16;
const WARM_SAMPLES = 2_000;

const count = Number(process.argv[2]);
// The process-wide runtime the functions use; building it loads the SDKs, which is not the token path.
const runtime = await getRuntime();
const coldStarted = performance.now();
await runtime.tokens.getToken();
const coldFirstTokenMs = performance.now() - coldStarted;

const handler = createUsersHttpHandler(getRuntime, () => functionKeyAuthorizer);
let next = 0;
let failures = 0;
async function worker(): Promise<void> {
    while (next < count) {
        const index = next++;
        const request = new HttpRequest({ method: 'GET', url: 'https://localhost:7071/api/users?top=1&select=id', headers: {} });
        const context = new InvocationContext({ invocationId: `bench-${index}`, functionName: 'users', logHandler: () => undefined });
        const response = await handler(request, context);
        if (response.status !== 200) failures += 1;
    }
}
await Promise.all(Array.from({ length: CONCURRENCY }, worker));

// What a warm invocation pays for its token: MSAL's cache, plus the assertion callback with the managed identity.
const warm: number[] = [];
for (let i = 0; i < WARM_SAMPLES; i += 1) {
    const started = performance.now();
    await runtime.tokens.getToken();
    warm.push((performance.now() - started) * 1000);
}
report({ invocations: count, failures, coldFirstTokenMs, warmTokenP50Us: percentile(warm, 50), warmTokenP99Us: percentile(warm, 99) });
