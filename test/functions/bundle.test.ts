/**
 * The deployed artifact: package.json `main` (the esbuild bundle) registers every function the
 * tsc output registers, and its handlers, SDK chunks included, answer against the sandbox and
 * Azurite. The rest of the suite tests the same code through the tsc output.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it, mock } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import functions, {
    type HttpFunctionOptions,
    type HttpHandler,
    type HttpResponseInit,
    type TimerFunctionOptions,
    type TimerHandler,
} from '@azure/functions';
import { hygiene } from '../support/hygieneGuard.js';
import { startExportTestKit, type ExportTestKit } from '../support/startExportTestKit.js';

const { app, HttpRequest, InvocationContext } = functions;
const root = fileURLToPath(new URL('../../../', import.meta.url));
const { main } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { main: string };

// Stub the registrations BEFORE importing the bundle, to read back what it registers.
const http = mock.method(app, 'http', () => undefined);
const timer = mock.method(app, 'timer', () => undefined);
await import(pathToFileURL(`${root}${main}`).href);
const httpCalls = http.mock.calls.map((c) => c.arguments as unknown as [string, HttpFunctionOptions]);
const timerCalls = timer.mock.calls.map((c) => c.arguments as unknown as [string, TimerFunctionOptions]);

function httpHandler(name: string): HttpHandler {
    const registration = httpCalls.find(([n]) => n === name);
    assert.ok(registration, `the bundle registers no HTTP function ${name}`);
    return registration[1].handler;
}

describe('deployed bundle (package.json main)', () => {
    it('is the esbuild bundle, not the tsc output', () => {
        assert.equal(main, 'dist/bundle/app.js');
    });

    it('registers users, usersExportLatest, usersExportLatestContent and the usersExport timer exactly as the sources do', () => {
        assert.deepEqual(
            httpCalls.map(([name, o]) => [name, o.route, o.methods, o.authLevel]),
            [
                ['users', 'users', ['GET'], 'function'],
                ['usersExportLatest', 'users/export/latest', ['GET'], 'function'],
                ['usersExportLatestContent', 'users/export/latest/content', ['GET'], 'function'],
            ],
        );
        assert.equal(timerCalls.length, 1);
        const [name, options] = timerCalls[0]!;
        assert.equal(name, 'usersExport');
        assert.equal(options.schedule, '%USERS_EXPORT_SCHEDULE%');
        assert.equal(options.retry?.strategy, 'exponentialBackoff');
    });

    describe('handlers against the sandbox and Azurite', () => {
        let kit: ExportTestKit;
        before(async () => {
            kit = await startExportTestKit({ userCount: 250 });
            const target = await kit.newTarget();
            // The bundle's runtimes read process.env, as in Azure.
            Object.assign(process.env, target.env);
        });
        after(() => kit.close());

        const context = (functionName: string): InstanceType<typeof InvocationContext> =>
            new InvocationContext({ invocationId: `bundle-${functionName}`, functionName, logHandler: kit.t.logs.logHandler });
        const get = (path: string): InstanceType<typeof HttpRequest> =>
            new HttpRequest({ method: 'GET', url: `https://localhost:7071/api/${path}`, headers: { accept: 'application/json' } });

        it('GET /api/users answers the first page (Key Vault, MSAL and Graph through the bundled SDKs)', async () => {
            const response = (await httpHandler('users')(get('users?top=5'), context('users'))) as HttpResponseInit;
            assert.equal(response.status, 200);
            assert.equal((response.jsonBody as { value: unknown[] }).value.length, 5);
        });

        it('the timer exports every user to Azurite, and GET /api/users/export/latest serves its manifest', async () => {
            const latest = httpHandler('usersExportLatest');
            const missing = (await latest(get('users/export/latest'), context('usersExportLatest'))) as HttpResponseInit;
            hygiene.recordHandlerResponse(missing);
            assert.equal(missing.status, 404);
            const handler: TimerHandler = timerCalls[0]![1].handler;
            await handler(
                { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } },
                context('usersExport'),
            );
            const response = (await latest(get('users/export/latest'), context('usersExportLatest'))) as HttpResponseInit;
            assert.equal(response.status, 200);
            assert.equal((response.jsonBody as { userCount: number }).userCount, 250);
        });
    });
});
