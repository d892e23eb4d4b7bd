/**
 * Behaviour of scripts/postprovision/graph-app.sh against a fake `az`/`azd` (test/infra/fixtures/bin):
 * creation, idempotent re-run, the 403 admin-consent path, rotation, and that the client secret only ever
 * travels through the pipe into Key Vault (never printed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { repoRoot } from './tools.js';

const script = join(repoRoot, 'scripts', 'postprovision', 'graph-app.sh');
const fakeBin = join(repoRoot, 'test', 'infra', 'fixtures', 'bin');
const TENANT = '44444444-4444-4444-4444-444444444444';
const APP_ID = '22222222-2222-2222-2222-222222222222';
const ROLE_ID = 'df021288-bdef-4463-88db-98f22de89214';
const API_ID = '66666666-6666-6666-6666-666666666666';
const API_SP = '88888888-8888-8888-8888-888888888888';

function newState(): string {
    const dir = mkdtempSync(join(tmpdir(), 'fake-az-'));
    writeFileSync(
        join(dir, 'azd.env'),
        [
            'AZURE_ENV_NAME="dev"',
            `AZURE_TENANT_ID="${TENANT}"`,
            `GRAPH_TENANT_ID="${TENANT}"`,
            'AZURE_RESOURCE_GROUP="rg-dev"',
            'AZURE_FUNCTION_APP_NAME="func-api-x"',
            'AZURE_KEY_VAULT_NAME="kv-x"',
            'GRAPH_CLIENT_SECRET_NAME="graph-client-secret"',
            'AUTHORITY_HOST="https://login.microsoftonline.com"',
            'GRAPH_ENDPOINT="https://graph.microsoft.com"',
            'UNRELATED="ignored"',
        ].join('\n') + '\n',
    );
    return dir;
}

function hook(state: string, mode: string, env: Record<string, string> = {}): { status: number | null; output: string } {
    const clean = Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !/^(AZURE_|GRAPH_|AUTHORITY_HOST|ROTATE_|KEY_VAULT)/.test(k)),
    );
    const r = spawnSync('bash', [script, mode], {
        encoding: 'utf8',
        env: { ...clean, ...env, PATH: `${fakeBin}${delimiter}${process.env.PATH ?? ''}`, FAKE_AZ_STATE: state, FAKE_TENANT: TENANT },
        timeout: 60_000,
    });
    if (r.error) throw r.error;
    const output = r.stdout + r.stderr;
    assert.doesNotMatch(output, /FAKE-SECRET/, 'the client secret was printed');
    assert.doesNotMatch(readFileSync(join(state, 'calls.log'), 'utf8'), /FAKE-SECRET/, 'the client secret was passed as an argument');
    return { status: r.status, output };
}

const read = (state: string, file: string): string => (existsSync(join(state, file)) ? readFileSync(join(state, file), 'utf8') : '');

test('ensure: creates app, service principal, consent, secret in Key Vault, GRAPH_CLIENT_ID; re-run is idempotent', () => {
    const state = newState();
    try {
        const first = hook(state, 'ensure');
        assert.equal(first.status, 0, first.output);
        assert.equal(read(state, 'app_id').trim(), APP_ID);
        assert.ok(existsSync(join(state, 'sp_id')), 'service principal created');
        assert.ok(existsSync(join(state, 'declared')), 'User.Read.All declared on the registration');
        assert.ok(existsSync(join(state, 'granted')), 'app role assignment (admin consent) created');
        assert.equal(read(state, 'vault_value'), 'FAKE-SECRET-1-value', 'secret stored verbatim, no trailing newline');
        assert.equal(read(state, 'vault_keyid').trim(), 'key-1');
        assert.equal(read(state, 'setting').trim(), APP_ID);
        assert.match(read(state, 'azd.env'), new RegExp(`GRAPH_CLIENT_ID="${APP_ID}"`));
        const calls = read(state, 'calls.log');
        assert.match(calls, /ad app create --display-name graph-users-dev/);
        assert.match(calls, new RegExp(`api-permissions ${ROLE_ID}=Role`));
        assert.match(calls, /credential reset .*--append .*--end-date \d{4}-\d\d-\d\dT/);

        const second = hook(state, 'ensure');
        assert.equal(second.status, 0, second.output);
        assert.equal(read(state, 'vault_versions').trim().split('\n').length, 1, 'no second secret on re-run');
        assert.equal(read(state, 'creds').trim().split('\n').length, 1, 'no second credential on re-run');
        assert.match(second.output, /already granted/);
        assert.equal(read(state, 'calls.log').match(/ad app create --display-name graph-users-dev /g)?.length, 1, 'app reused');
    } finally {
        rmSync(state, { recursive: true, force: true });
    }
});

test('ensure without the directory role: says so and prints the admin consent URL, still stores the secret', () => {
    const state = newState();
    try {
        const r = hook(state, 'ensure', { FAKE_CONSENT: 'forbidden' });
        assert.equal(r.status, 0, r.output);
        assert.match(r.output, /lack the directory role to grant admin consent \(403 on appRoleAssignedTo\)/);
        assert.ok(r.output.includes(`https://login.microsoftonline.com/${TENANT}/adminconsent?client_id=${APP_ID}`), r.output);
        assert.ok(!existsSync(join(state, 'granted')));
        assert.equal(read(state, 'vault_value'), 'FAKE-SECRET-1-value');
    } finally {
        rmSync(state, { recursive: true, force: true });
    }
});

test('rotate-secret: a failed credential reset never writes an empty secret version', () => {
    const state = newState();
    try {
        assert.equal(hook(state, 'ensure').status, 0);
        const before = read(state, 'vault_value');
        const r = hook(state, 'rotate-secret', { ROTATE_GRACE_SECONDS: '0', FAKE_RESET: 'fail' });
        assert.notEqual(r.status, 0, r.output);
        assert.equal(read(state, 'vault_value'), before, 'the vault keeps the working secret');
    } finally {
        rmSync(state, { recursive: true, force: true });
    }
});

test('rotate-secret: new credential, new Key Vault version, old credential removed by keyId', () => {
    const state = newState();
    try {
        assert.equal(hook(state, 'ensure').status, 0);
        const r = hook(state, 'rotate-secret', { ROTATE_GRACE_SECONDS: '0' });
        assert.equal(r.status, 0, r.output);
        assert.equal(read(state, 'vault_value'), 'FAKE-SECRET-2-value');
        assert.equal(read(state, 'vault_keyid').trim(), 'key-2');
        assert.equal(read(state, 'deleted').trim(), 'key-1');
        assert.deepEqual(
            read(state, 'creds')
                .trim()
                .split('\n')
                .map((l) => l.split(' ')[0]),
            ['key-2'],
        );
        assert.equal(read(state, 'vault_versions').trim().split('\n').length, 2);
    } finally {
        rmSync(state, { recursive: true, force: true });
    }
});

test('refuses to run against another tenant than GRAPH_TENANT_ID', () => {
    const state = newState();
    try {
        const r = hook(state, 'ensure', { GRAPH_TENANT_ID: '55555555-5555-5555-5555-555555555555' });
        assert.notEqual(r.status, 0);
        assert.match(r.output, /az login --tenant 55555555/);
        assert.ok(!existsSync(join(state, 'app_id')));
    } finally {
        rmSync(state, { recursive: true, force: true });
    }
});

test('ensure: the API registration exposes the App ID URI and the app role, and API_AUDIENCE is set on the app and in azd; a re-run changes nothing', () => {
    const state = newState();
    try {
        const first = hook(state, 'ensure');
        assert.equal(first.status, 0, first.output);
        assert.equal(read(state, 'api_app_id').trim(), API_ID);
        assert.match(read(state, 'calls.log'), /ad app create --display-name graph-users-dev-api --sign-in-audience AzureADMyOrg/);
        assert.deepEqual(read(state, 'api_uris').trim().split('\n'), [`api://${API_ID}`]);
        const roles = JSON.parse(read(state, 'api_roles')) as {
            id: string;
            value: string;
            allowedMemberTypes: string[];
            isEnabled: boolean;
        }[];
        assert.equal(roles.length, 1);
        const [role] = roles;
        assert.ok(role);
        assert.equal(role.value, 'Users.Read.All');
        assert.deepEqual(role.allowedMemberTypes, ['Application', 'User']);
        assert.match(role.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        const scopes = JSON.parse(read(state, 'api_scopes')) as { id: string; value: string }[];
        assert.deepEqual(
            scopes.map((x) => x.value),
            ['user_impersonation'],
        );
        const preauth = JSON.parse(read(state, 'api_preauth')) as { appId: string; delegatedPermissionIds: string[] }[];
        assert.deepEqual(preauth, [{ appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', delegatedPermissionIds: [scopes[0]?.id] }]);
        assert.equal(read(state, 'api_version').trim(), '2');
        assert.equal(read(state, 'api_sp_id').trim(), API_SP);
        assert.equal(read(state, 'api_assignment_required').trim(), 'true');
        assert.equal(read(state, 'api_audience').trim(), `${API_ID},api://${API_ID}`);
        assert.match(read(state, 'azd.env'), new RegExp(`API_AUDIENCE="${API_ID},api://${API_ID}"`));
        // The Graph client registration is another one, and keeps its own setting.
        assert.equal(read(state, 'setting').trim(), APP_ID);
        assert.match(first.output, /appRoleAssignedTo/, 'says how to assign the role');

        const patches = read(state, 'api_patches').trim().split('\n').length;
        const second = hook(state, 'ensure');
        assert.equal(second.status, 0, second.output);
        assert.match(second.output, /reusing the API app registration 6{8}/);
        assert.equal(read(state, 'api_patches').trim().split('\n').length, patches, 'no change on a re-run');
        assert.equal((JSON.parse(read(state, 'api_roles')) as unknown[]).length, 1, 'the role is not added twice');
        assert.equal(read(state, 'calls.log').match(/ad app create --display-name graph-users-dev-api/g)?.length, 1);
    } finally {
        rmSync(state, { recursive: true, force: true });
    }
});

test('API_REGISTRATION=skip leaves the API to the function key and says so', () => {
    const state = newState();
    try {
        const r = hook(state, 'ensure', { API_REGISTRATION: 'skip' });
        assert.equal(r.status, 0, r.output);
        assert.match(r.output, /API_REGISTRATION=skip.*function key alone/s);
        assert.ok(!existsSync(join(state, 'api_app_id')));
        assert.ok(!existsSync(join(state, 'api_audience')));
    } finally {
        rmSync(state, { recursive: true, force: true });
    }
});
