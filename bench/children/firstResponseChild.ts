/**
 * Cold start (b): a fresh process imports the deployed entry (registrations captured by stubbing
 * `app.http`/`app.timer`, as the host would receive them) and answers one `GET /api/users`:
 * import, Key Vault, token and the first Graph page.
 */
import { pathToFileURL } from 'node:url';
import type { HttpHandler } from '@azure/functions';
import { report } from './report.js';

const started = performance.now();
const functions = (await import('@azure/functions')).default;
const handlers = new Map<string, HttpHandler>();
functions.app.http = (name, options) => {
    handlers.set(name, options.handler);
};
functions.app.timer = () => undefined;
for (const file of process.argv.slice(2)) await import(pathToFileURL(file).href);
const imported = performance.now();
const users = handlers.get('users');
if (users === undefined) throw new Error('The entry registered no "users" function.');
const response = await users(
    new functions.HttpRequest({ method: 'GET', url: 'https://localhost:7071/api/users', headers: { accept: 'application/json' } }),
    new functions.InvocationContext({ invocationId: 'bench-cold', functionName: 'users', logHandler: () => undefined }),
);
if (response.status !== 200) throw new Error(`The first response was ${String(response.status)}.`);
report({ importMs: imported - started, firstResponseMs: performance.now() - started });
