/**
 * azd-facing contracts that need no Bicep CLI: main.parameters.json maps only declared parameters,
 * the outputs the post-provision hook and azure.yaml rely on exist, and azure.yaml declares the service
 * and the hook.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { infraDir, repoRoot } from './tools.js';

const mainBicep = readFileSync(join(infraDir, 'main.bicep'), 'utf8');
const declaredParams = new Map(
    [...mainBicep.matchAll(/^param\s+(\w+)\s+(\w+)(\s*=)?/gm)].map((m) => [m[1]!, { type: m[2]!, hasDefault: Boolean(m[3]) }]),
);
const declaredOutputs = new Set([...mainBicep.matchAll(/^output\s+(\w+)\s/gm)].map((m) => m[1]!));
const hookDir = join(repoRoot, 'scripts', 'postprovision');
const hookPath = join(hookDir, 'graph-app.sh');
/** graph-app.sh and the lib/*.sh files it sources, as one text. */
const hook = [hookPath, ...readdirSync(join(hookDir, 'lib')).map((f) => join(hookDir, 'lib', f))]
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
const azureYaml = readFileSync(join(repoRoot, 'azure.yaml'), 'utf8');

interface ParameterFile {
    parameters: Record<string, { value: unknown }>;
}
const parameterFile = JSON.parse(readFileSync(join(infraDir, 'main.parameters.json'), 'utf8')) as ParameterFile;

/** Variables azd itself puts in every environment (never Bicep outputs). */
const AZD_BUILTINS = new Set([
    'AZURE_ENV_NAME',
    'AZURE_LOCATION',
    'AZURE_SUBSCRIPTION_ID',
    'AZURE_PRINCIPAL_ID',
    'AZURE_PRINCIPAL_TYPE',
    'AZURE_TENANT_ID',
    'AZURE_RESOURCE_GROUP',
]);
/** Optional knobs a user may `azd env set` (README, "Deploy to Azure"); the hook sets GRAPH_CLIENT_ID and API_AUDIENCE itself. */
const USER_KNOBS = new Set([
    'GRAPH_CLIENT_ID',
    'GRAPH_CREDENTIAL',
    'GRAPH_APP_DISPLAY_NAME',
    'GRAPH_CLIENT_SECRET_DAYS',
    'GRAPH_CLIENT_CERTIFICATE_MONTHS',
    'GRAPH_APP_SETUP',
    'ROTATE_GRACE_SECONDS',
    'GRAPH_APP_VERIFY_TIMEOUT_SECONDS',
    'GRAPH_APP_VERIFY_INTERVAL_SECONDS',
    'API_AUDIENCE',
    'API_REQUIRED_ROLE',
    'API_APP_DISPLAY_NAME',
    'API_REGISTRATION',
    'API_GRANT_DEPLOYER',
]);

test('every ${VAR} in main.parameters.json maps to a parameter declared in main.bicep', () => {
    const entries = Object.entries(parameterFile.parameters);
    assert.ok(entries.length >= 3);
    for (const [name, { value }] of entries) {
        assert.ok(declaredParams.has(name), `main.parameters.json sets '${name}', which main.bicep does not declare`);
        const refs = [...JSON.stringify(value).matchAll(/\$\{([A-Z0-9_]+)(=[^}]*)?\}/g)];
        for (const ref of refs) assert.match(ref[1]!, /^[A-Z][A-Z0-9_]*$/, `${name}: bad variable reference`);
    }
});

test('main.parameters.json uses the standard azd variables and provides every parameter without a default', () => {
    const byName = (n: string): string => JSON.stringify(parameterFile.parameters[n]?.value);
    assert.equal(byName('environmentName'), '"${AZURE_ENV_NAME}"');
    assert.equal(byName('location'), '"${AZURE_LOCATION}"');
    assert.equal(byName('principalId'), '"${AZURE_PRINCIPAL_ID}"');
    for (const [name, p] of declaredParams) {
        if (!p.hasDefault) assert.ok(name in parameterFile.parameters, `required parameter ${name} is not mapped`);
    }
});

test('outputs used by the hook, azd and the README exist', () => {
    for (const name of [
        'AZURE_KEY_VAULT_NAME',
        'AZURE_KEY_VAULT_ENDPOINT',
        'AZURE_FUNCTION_APP_NAME',
        'AZURE_RESOURCE_GROUP',
        'AZURE_TENANT_ID',
        'AZURE_MANAGED_IDENTITY_CLIENT_ID',
        'AZURE_MANAGED_IDENTITY_PRINCIPAL_ID',
        'GRAPH_CLIENT_SECRET_NAME',
        'GRAPH_CLIENT_CERTIFICATE_NAME',
        'AZURE_MANAGED_IDENTITY_NAME',
        'GRAPH_TENANT_ID',
        'AUTHORITY_HOST',
        'GRAPH_ENDPOINT',
        'SERVICE_API_NAME',
        'SERVICE_API_URI',
        'USERS_EXPORT_CONTAINER',
    ]) {
        assert.ok(declaredOutputs.has(name), `main.bicep has no output ${name}`);
    }
});

test('every azd value the hook reads is an output, an azd built-in or a documented user knob', () => {
    const wanted = /readonly WANTED_KEYS='([^']+)'/.exec(hook)?.[1]?.split(/\s+/).filter(Boolean);
    assert.ok(wanted && wanted.length > 5, 'WANTED_KEYS not found in graph-app.sh');
    for (const key of wanted) {
        assert.ok(declaredOutputs.has(key) || AZD_BUILTINS.has(key) || USER_KNOBS.has(key), `hook reads ${key}, which nothing provides`);
    }
    const required = [...hook.matchAll(/^\s*require ([A-Z_ ]+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/));
    assert.ok(required.length >= 8, 'require lines not found');
    for (const key of required)
        assert.ok(declaredOutputs.has(key) || AZD_BUILTINS.has(key), `hook requires ${key}, which main.bicep does not output`);
});

test('hook keeps GRAPH_CLIENT_ID across re-provisioning (azd env set + parameter mapping)', () => {
    assert.match(hook, /publish_setting GRAPH_CLIENT_ID "\$\{APP_ID\}"/);
    assert.match(hook, /azd env set \$\{AZURE_ENV_NAME:\+-e "\$\{AZURE_ENV_NAME\}"\} "\$1" "\$2"/);
    assert.equal(JSON.stringify(parameterFile.parameters.graphClientId?.value), '"${GRAPH_CLIENT_ID}"');
    assert.equal(JSON.stringify(parameterFile.parameters.graphCredentialType?.value), '"${GRAPH_CREDENTIAL=keyVaultSecret}"');
    assert.match(hook, /az functionapp config appsettings set/);
});

test('hook keeps API_AUDIENCE across re-provisioning, as GRAPH_CLIENT_ID (azd env set + parameter mapping)', () => {
    const lib = readFileSync(join(repoRoot, 'scripts', 'postprovision', 'lib', 'apiRegistration.sh'), 'utf8');
    assert.match(lib, /publish_setting API_AUDIENCE /);
    const publish = hook.slice(hook.indexOf('publish_setting() {'), hook.indexOf('\n}\n', hook.indexOf('publish_setting() {')));
    assert.match(publish, /az functionapp config appsettings set [^\n]*\n[^\n]*--settings "\$1=\$2"/);
    assert.match(publish, /remember_setting "\$1" "\$2"/);
    const remember = hook.slice(hook.indexOf('remember_setting() {'), hook.indexOf('\n}\n', hook.indexOf('remember_setting() {')));
    assert.match(remember, /azd_env_set "\$1" "\$2"/);
    assert.equal(JSON.stringify(parameterFile.parameters.apiAudience?.value), '"${API_AUDIENCE}"');
});

test('hook never exposes the client secret', () => {
    // The password goes az -> tr -> vault_write_nonempty -> az keyvault secret set --file /dev/stdin;
    // never into a variable or echo, and nothing is written when the reset produced nothing.
    assert.match(hook, /^set \+x/m);
    assert.match(hook, /--query password -o tsv[^\n]*\|\s*\n\s*tr -d '\\r\\n' \|\s*\n\s*vault_write_nonempty /);
    assert.match(hook, /\{ printf '%s' "\$\{first\}"; cat; \} \|\s*\n\s*az keyvault secret set [^\n]*\n?[^\n]*--file \/dev\/stdin/);
    assert.doesNotMatch(hook, /\$\(\s*az ad app credential reset/, 'credential reset output captured in a variable');
    assert.doesNotMatch(hook, /secretText/);
    assert.doesNotMatch(hook, /--value\b/, 'secret passed as an argument');
    assert.match(hook, /appRoles\[\?value=='\$\{GRAPH_PERMISSION\}'/, 'app role id must be looked up by value');
    assert.match(hook, /adminconsent\?client_id=/);
    assert.match(hook, /rotate-secret/);
    assert.match(hook, /az ad app credential delete --id "\$\{APP_ID\}" --key-id/);
    // Certificates: Key Vault generates the key; the hook registers the certificate from the vault and never
    // asks for the certificate's secret (where the private key is) nor downloads anything.
    assert.doesNotMatch(hook, /keyvault secret (show|download)|certificate download/);
    assert.match(hook, /az ad app credential reset --id "\$\{APP_ID\}" --append --keyvault "\$\{AZURE_KEY_VAULT_NAME\}"/);
    // The function key, or the API token, reaches curl on stdin (printf is a builtin), never as an argument.
    assert.match(hook, /printf 'header = "x-functions-key: %s"\\n' "\$\{function_key\}"/);
    assert.match(hook, /printf 'header = "Authorization: Bearer %s"\\n' "\$\{token\}"/);
    assert.match(hook, /printf '%s\\n' "\$\{credential\}" \|\s*\n\s*curl --config -/);
    assert.doesNotMatch(hook, /curl [^\n]*(-H|--header) /);
});

test('azure.yaml: service api (function, ts, project .) and a postprovision hook that exists', () => {
    assert.match(azureYaml, /^services:\s*\n\s+api:\s*\n(?:\s+\w+:.*\n)*?\s+project:\s*\.\s*$/m);
    const api = azureYaml.slice(azureYaml.indexOf('  api:'));
    assert.match(api, /^\s+host:\s*function\s*$/m);
    assert.match(api, /^\s+language:\s*ts\s*$/m);
    // preprovision keeps the live identity settings, postprovision sets up the credential, postdeploy
    // verifies the app's first token; each runs graph-app.sh in its mode and stops azd when it fails.
    for (const [event, mode] of [
        ['preprovision', 'preserve-settings'],
        ['postprovision', 'ensure'],
        ['postdeploy', 'verify'],
    ] as const) {
        const block = new RegExp(`^ {2}${event}:\\n((?: {4}.*\\n)+)`, 'm').exec(azureYaml)?.[1];
        assert.ok(block, `azure.yaml has no ${event} hook`);
        const run = /^ {4}run:\s*(.+)$/m.exec(block)?.[1];
        assert.equal(run, `bash ./scripts/postprovision/graph-app.sh ${mode}`, event);
        assert.match(block, /^ {4}continueOnError:\s*false$/m, `${event} must stop azd when it fails`);
        assert.ok(existsSync(hookPath));
    }
    assert.match(azureYaml, /^infra:\s*\n(\s+.*\n)*?\s+path:\s*infra\s*$/m);
});
