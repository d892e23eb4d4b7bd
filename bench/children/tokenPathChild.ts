/**
 * A cold runtime, then `count` HTTP handler invocations, 16 at a time. The parent counts the
 * Key Vault reads and token requests its sandbox saw.
 */
import functions from '@azure/functions';
import { functionKeyAuthorizer } from '../../src/callerAuth/CallerAuthorizer.js';
import { createUsersHttpHandler } from '../../src/functions/handlers/createUsersHttpHandler.js';
import { getRuntime } from '../../src/runtime/getRuntime.js';
import { report } from './report.js';

const { HttpRequest, InvocationContext } = functions;
const CONCURRENCY = 16;

const count = Number(process.argv[2]);
// The process-wide runtime the functions use, built on the first invocation.
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
report({ invocations: count, failures });
