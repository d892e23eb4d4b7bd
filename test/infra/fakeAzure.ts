/**
 * Runs scripts/postprovision/graph-app.sh against the fake `az` and `azd` in test/infra/fixtures/bin, with
 * their state in a temporary directory, and checks after every run that no credential the fakes hand out
 * (client secret, function key) ever reached the output or an argument.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import assert from 'node:assert/strict';
import { repoRoot } from './tools.js';

export const hookScript = join(repoRoot, 'scripts', 'postprovision', 'graph-app.sh');
const fakeBin = join(repoRoot, 'test', 'infra', 'fixtures', 'bin');

export const TENANT = '44444444-4444-4444-4444-444444444444';
export const APP_ID = '22222222-2222-2222-2222-222222222222';
export const IDENTITY_PRINCIPAL_ID = '66666666-6666-6666-6666-666666666666';
export const FUNCTION_KEY = 'FAKE-FUNCTION-KEY-c2VjcmV0';
/** The signed-in identity's access token for the API (`az account get-access-token --resource api://...`). */
export const API_TOKEN = 'FAKE-API-TOKEN-eyJub3QiOiJhIEpXVCJ9';
/** The API's own app registration and service principal, as the fake `az` creates them. */
export const API_APP_ID = 'a0a0a0a0-0000-4000-8000-0000000000a1';
export const API_SP_ID = 'c0c0c0c0-0000-4000-8000-0000000000c1';

/** What `azd provision` leaves in .azure/<env>/.env on an administrator's machine. */
export const PROVISIONED_ENV: Readonly<Record<string, string>> = {
    AZURE_ENV_NAME: 'dev',
    AZURE_TENANT_ID: TENANT,
    GRAPH_TENANT_ID: TENANT,
    AZURE_RESOURCE_GROUP: 'rg-dev',
    AZURE_FUNCTION_APP_NAME: 'func-api-x',
    AZURE_KEY_VAULT_NAME: 'kv-x',
    AZURE_MANAGED_IDENTITY_NAME: 'id-api-x',
    AZURE_MANAGED_IDENTITY_PRINCIPAL_ID: IDENTITY_PRINCIPAL_ID,
    GRAPH_CLIENT_SECRET_NAME: 'graph-client-secret',
    GRAPH_CLIENT_CERTIFICATE_NAME: 'graph-client-certificate',
    AUTHORITY_HOST: 'https://login.microsoftonline.com',
    GRAPH_ENDPOINT: 'https://graph.microsoft.com',
    UNRELATED: 'ignored',
};

/** A fresh fake Azure: the azd environment (.env) and, optionally, other state files. */
export function newState(dotenv: Readonly<Record<string, string>> = PROVISIONED_ENV, files: Readonly<Record<string, string>> = {}): string {
    const dir = mkdtempSync(join(tmpdir(), 'fake-az-'));
    writeFileSync(join(dir, 'azd.env'), dotenvText(dotenv));
    writeFileSync(join(dir, 'calls.log'), '');
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    return dir;
}

export function dotenvText(values: Readonly<Record<string, string>>): string {
    return Object.entries(values)
        .map(([k, v]) => `${k}="${v}"\n`)
        .join('');
}

/** The azd environment as azd would read it (a later line wins). */
export function dotenv(state: string): Record<string, string> {
    const values: Record<string, string> = {};
    for (const line of read(state, 'azd.env').split('\n')) {
        const m = /^([A-Z0-9_]+)="(.*)"$/.exec(line);
        if (m) values[m[1]!] = m[2]!;
    }
    return values;
}

export const read = (state: string, file: string): string => (existsSync(join(state, file)) ? readFileSync(join(state, file), 'utf8') : '');

export const lines = (state: string, file: string): string[] => read(state, file).split('\n').filter(Boolean);

export interface HookRun {
    readonly status: number | null;
    readonly output: string;
    /** The az calls of this run. */
    readonly calls: string[];
}

/**
 * Runs `graph-app.sh <mode>` (or `command`, a shell command line such as azure.yaml's) as azd would:
 * the process environment is stripped of every setting the hook reads, then `env` is added. Defaults:
 * an administrator's run, no waiting between retries.
 */
export async function runHook(state: string, mode: string, env: Readonly<Record<string, string>> = {}, command?: string): Promise<HookRun> {
    const clean = Object.fromEntries(
        Object.entries(process.env).filter(
            ([k]) =>
                !/^(AZURE_|GRAPH_|API_|AUTHORITY_HOST|ROTATE_|KEY_VAULT|SERVICE_API|FUNCTION_|GRANT_|CI$|GITHUB_ACTIONS|TF_BUILD|CURL_)/.test(
                    k,
                ),
        ),
    );
    const before = lines(state, 'calls.log').length;
    const child = spawn('bash', command === undefined ? [hookScript, mode] : ['-c', command], {
        cwd: repoRoot,
        env: {
            ...clean,
            GRAPH_APP_SETUP: 'admin',
            VAULT_ACCESS_RETRY_SECONDS: '0',
            GRAPH_READ_RETRY_SECONDS: '0',
            ...env,
            PATH: `${fakeBin}${delimiter}${process.env.PATH ?? ''}`,
            FAKE_AZ_STATE: state,
            FAKE_TENANT: TENANT,
            FAKE_FUNCTION_KEY: FUNCTION_KEY,
            FAKE_API_TOKEN: env.FAKE_API_TOKEN ?? API_TOKEN,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const status = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => {
            child.kill('SIGKILL');
        }, 60_000);
        child.on('error', reject);
        child.on('close', (code) => {
            clearTimeout(timer);
            resolve(code);
        });
    });
    const calls = lines(state, 'calls.log').slice(before);
    for (const secret of [/FAKE-SECRET/, new RegExp(FUNCTION_KEY), new RegExp(API_TOKEN)]) {
        assert.doesNotMatch(output, secret, 'a credential was printed');
        assert.doesNotMatch(calls.join('\n'), secret, 'a credential was passed as an argument');
    }
    return { status, output, calls };
}
