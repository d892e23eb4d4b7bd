/**
 * `npm run sandbox` writes a local.settings.json that works: loading its Values the way `func start`
 * does (as the worker's environment) lets the real handlers list users and export a snapshot.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { createRuntime } from '../../src/runtime/createRuntime.js';
import { createExportRuntime } from '../../src/runtime/createExportRuntime.js';
import { runSnapshotExport } from '../../src/export/runSnapshotExport.js';
import { settingDefinitions } from '../../src/config/settingDefinitions.js';
import { loadCoreSettings } from '../../src/config/CoreSettings.js';
import { runNodeChild } from '../support/runNodeChild.js';
import functions, { type HttpResponseInit } from '@azure/functions';
import { createExportContentHttpHandler } from '../../src/functions/handlers/createExportContentHttpHandler.js';
import { createUsersHttpHandler } from '../../src/functions/handlers/createUsersHttpHandler.js';
import { createCallerAuthorizer } from '../../src/runtime/createCallerAuthorizer.js';
import { hygiene } from '../support/hygieneGuard.js';

const { HttpRequest, InvocationContext } = functions;

for (const credential of ['keyVaultSecret', 'keyVaultCertificate', 'managedIdentity'] as const) {
    describe(`npm run sandbox -- --credential ${credential}`, () => {
        let dir: string;
        let child: ReturnType<typeof spawn>;
        let values: Record<string, string>;
        /** The caller tokens it wrote, read at once (another sandbox run may write its own later). */
        let callersFile: string;

        before(async () => {
            dir = await mkdtemp(join(tmpdir(), 'sandbox-settings-'));
            child = spawn(
                process.execPath,
                ['dist/sandbox/main.js', '--users', '1200', '--credential', credential, '--out', join(dir, 'local.settings.json')],
                { stdio: ['ignore', 'ignore', 'pipe'] },
            );
            const lines = createInterface({ input: child.stderr! });
            for await (const line of lines) if (line.startsWith('Sandbox up')) break;
            const file = JSON.parse(await readFile(join(dir, 'local.settings.json'), 'utf8')) as { Values: Record<string, string> };
            values = file.Values;
            callersFile = await readFile(join(dir, 'sandbox-callers.env'), 'utf8');
        });

        after(async () => {
            const exited = once(child, 'exit');
            child.kill('SIGTERM');
            await exited;
            await rm(dir, { recursive: true, force: true });
        });

        it('writes every setting the app and the host need for that mode, all strings, no secret', () => {
            for (const name of [
                'FUNCTIONS_WORKER_RUNTIME',
                'AzureWebJobsStorage',
                'NODE_EXTRA_CA_CERTS',
                'IDENTITY_ENDPOINT',
                'IDENTITY_HEADER',
                'API_AUDIENCE',
                'API_REQUIRED_ROLE',
            ]) {
                assert.equal(typeof values[name], 'string', name);
            }
            for (const d of settingDefinitions.filter((s) => s.required)) assert.ok(values[d.name], d.name);
            assert.ok(Object.values(values).every((v) => typeof v === 'string'));
            assert.ok(!Object.keys(values).some((k) => /secret$/i.test(k) && !k.endsWith('_NAME')));
            assert.equal(loadCoreSettings(values).credential, credential);
            assert.equal(values.KEY_VAULT_URL === undefined, credential === 'managedIdentity', 'KEY_VAULT_URL only in the Key Vault modes');
            // The export is reached with the managed identity over HTTPS, as in Azure (and as user delegation SAS needs).
            assert.match(values.USERS_EXPORT_STORAGE__blobServiceUri ?? '', /^https:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
            assert.equal(values.USERS_EXPORT_STORAGE, undefined);
        });

        it('a fresh process lists users through those settings alone (as func start gives them to the worker)', async () => {
            const { code, stdout, stderr } = await runNodeChild(['dist/src/cli/main.js', 'list', '--top', '5', '--select', 'id'], {
                PATH: process.env.PATH ?? '',
                ...values,
            });
            assert.equal(code, 0, stderr);
            assert.equal(stdout.trim().split('\n').length, 5);
        });

        // MSAL keeps the first managed identity endpoint of a process: in-process, only the first sandbox's works.
        if (credential === 'keyVaultSecret') {
            it('the handlers list users and export through those settings', async () => {
                // func start gives the worker these Values as its environment; the CA variable must match ours.
                assert.equal(values.NODE_EXTRA_CA_CERTS, process.env.NODE_EXTRA_CA_CERTS);
                Object.assign(process.env, values);
                const runtime = createRuntime(values);
                const page = await runtime.users.getPage({
                    top: 5,
                    select: ['id'],
                    explicit: { top: true, select: true },
                    pageToken: undefined,
                    all: false,
                });
                assert.equal(page.value.length, 5);
                const { manifest } = await runSnapshotExport({ graph: runtime.graph, ...createExportRuntime(values) });
                assert.equal(manifest.userCount, 1200);
            });

            it('the printed caller tokens: none is a 401, the unauthorized one a 403, the authorized ones list users and download the snapshot', async () => {
                const callers = Object.fromEntries(
                    callersFile
                        .split('\n')
                        .filter((line) => /^[A-Z_]+='/.test(line))
                        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 2, -1)]),
                ) as Record<string, string>;
                hygiene.registerForbidden(() => Object.values(callers).filter((v) => v.startsWith('ey')));
                assert.equal(callers.SANDBOX_CA, values.NODE_EXTRA_CA_CERTS);
                Object.assign(process.env, values);
                const authorizer = createCallerAuthorizer(values);
                const runtime = createRuntime(values);
                const call = async (token: string | undefined): Promise<HttpResponseInit> => {
                    const response = await createUsersHttpHandler(
                        () => runtime,
                        () => authorizer,
                    )(
                        new HttpRequest({
                            method: 'GET',
                            url: 'http://localhost:7071/api/users?top=5',
                            headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
                        }),
                        new InvocationContext({ invocationId: 'sandbox-curl', functionName: 'users', logHandler: () => undefined }),
                    );
                    hygiene.recordHandlerResponse(response);
                    return response;
                };
                assert.equal((await call(undefined)).status, 401);
                assert.equal((await call(callers.UNAUTHORIZED_TOKEN)).status, 403);
                assert.equal((await call(callers.AUTHORIZED_TOKEN)).status, 200);
                assert.equal((await call(callers.USER_TOKEN)).status, 200);

                const exportRuntime = createExportRuntime(values);
                const redirect = await createExportContentHttpHandler(
                    () => exportRuntime,
                    () => authorizer,
                )(
                    new HttpRequest({
                        method: 'GET',
                        url: 'http://localhost:7071/api/users/export/latest/content',
                        headers: { authorization: `Bearer ${callers.AUTHORIZED_TOKEN}` },
                    }),
                    new InvocationContext({
                        invocationId: 'sandbox-content',
                        functionName: 'usersExportLatestContent',
                        logHandler: () => undefined,
                    }),
                );
                assert.equal(redirect.status, 307, JSON.stringify(redirect.jsonBody));
                const download = await fetch((redirect.headers as Record<string, string>).Location ?? '');
                assert.equal(download.status, 200);
                assert.equal((await download.text()).split('\n').length - 1, 1200, 'the snapshot the test above exported');
            });
        }
    });
}

describe('npm run sandbox', () => {
    let dir: string;
    before(async () => {
        dir = await mkdtemp(join(tmpdir(), 'sandbox-settings-'));
    });
    after(async () => {
        await rm(dir, { recursive: true, force: true });
    });

    it('never overwrites a local.settings.json a person wrote', async () => {
        const mine = join(dir, 'mine.json');
        await writeFile(mine, '{"IsEncrypted":false,"Values":{"GRAPH_TENANT_ID":"real"}}');
        const second = spawn(process.execPath, ['dist/sandbox/main.js', '--users', '1', '--out', mine], {
            stdio: ['ignore', 'ignore', 'pipe'],
        });
        const lines = createInterface({ input: second.stderr });
        for await (const line of lines) if (line.startsWith('Sandbox up')) break;
        second.kill('SIGTERM');
        await once(second, 'exit');
        assert.match(await readFile(mine, 'utf8'), /"real"/);
        assert.match(await readFile(join(dir, 'mine.sandbox.json'), 'utf8'), /GRAPH_USERS_SANDBOX/);
    });
});
