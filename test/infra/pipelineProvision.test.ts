/**
 * A deploy pipeline cannot take production down: `azd provision` from a fresh CI checkout (an empty azd
 * environment) must never change GRAPH_CLIENT_ID or GRAPH_CREDENTIAL on the live app, although the
 * app-settings resource rewrites every setting on each provision.
 *
 * The chain is followed as azd runs it: the preprovision hook exactly as azure.yaml declares it (against
 * the fake az/azd), then azd's parameter substitution of main.parameters.json over the resulting
 * environment (azdParameters.ts), then the compiled template's own expressions from main.bicep's
 * parameter down to the app setting (armExpression.ts). Break any link (the hook, its wiring, the
 * parameter mapping, the Bicep) and the live value no longer comes out the other end.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate } from './armExpression.js';
import { azdParameters } from './azdParameters.js';
import { APP_ID, PROVISIONED_ENV, dotenv, newState, read, runHook } from './fakeAzure.js';
import { armOrSkip, moduleDeployment, moduleParams, repoRoot, resourcesOf, type Json } from './tools.js';

const LIVE_APP_ID = '88888888-8888-8888-8888-888888888888';

/** What a GitHub Actions job has: the workflow's variables, a fresh .azure/ with only the env name. */
const CI_PROCESS_ENV = {
    AZURE_ENV_NAME: 'dev',
    AZURE_LOCATION: 'swedencentral',
    AZURE_SUBSCRIPTION_ID: '99999999-9999-9999-9999-999999999999',
    AZURE_TENANT_ID: '44444444-4444-4444-4444-444444444444',
    AZURE_PRINCIPAL_TYPE: 'ServicePrincipal',
    GRAPH_APP_SETUP: 'pipeline',
    GRANT_DEPLOYER_VAULT_OFFICER: 'false',
    FAKE_NO_GRAPH: '1',
};
const FRESH_DOTENV = { AZURE_ENV_NAME: 'dev' };

/** The live app: found by its azd tags, with the settings an administrator's provision left. */
function liveApp(settings: Record<string, string>, resourceGroup = 'rg-dev'): Record<string, string> {
    return {
        live_app: `func-api-x\t${resourceGroup}\n`,
        appsettings: Object.entries(settings)
            .map(([k, v]) => `${k}=${v}\n`)
            .join(''),
    };
}

/** The preprovision command azure.yaml runs. */
function preprovisionCommand(): string {
    const yaml = readFileSync(join(repoRoot, 'azure.yaml'), 'utf8');
    const block = /^ {2}preprovision:\n((?: {4}.*\n)+)/m.exec(yaml)?.[1];
    const run = block ? /^ {4}run:\s*(.+)$/m.exec(block)?.[1] : undefined;
    assert.ok(run, 'azure.yaml has no preprovision hook');
    return run;
}

/** The value an app setting gets when main.bicep is deployed with these parameters. */
function deployedAppSetting(main: Json, parameters: Record<string, string>, setting: string): unknown {
    const mainContext = {
        template: main,
        parameters,
        environment: { name: 'AzureCloud', authentication: { loginEndpoint: 'https://login.microsoftonline.com/' } },
    };
    const apiTemplate = (moduleDeployment(main, 'api').properties as Json).template as Json;
    const apiParameters = Object.fromEntries(Object.entries(moduleParams(main, 'api')).map(([name, value]) => [name, value]));
    const appSettings = Object.values(apiTemplate.resources as Record<string, Json>).find(
        (r) => String(r.type) === 'Microsoft.Web/sites/config',
    )!;
    const expression = (appSettings.properties as Json)[setting];
    // Only the parameters the setting's expression reads are evaluated (others need live references).
    const used = [...String(expression).matchAll(/parameters\('(\w+)'\)/g)].map((m) => m[1]!);
    const resolved = Object.fromEntries(used.map((name) => [name, evaluate(apiParameters[name], mainContext)]));
    return evaluate(expression, { template: apiTemplate, parameters: resolved, environment: mainContext.environment });
}

/** The resource group main.bicep deploys into with these parameters. */
function deployedResourceGroup(main: Json, parameters: Record<string, string>): unknown {
    const group = resourcesOf(main).find((r) => String(r.type) === 'Microsoft.Resources/resourceGroups');
    assert.ok(group, 'main.json has no resource group');
    return evaluate(group.name, {
        template: main,
        parameters: { resourceGroupName: '', ...parameters },
        environment: { name: 'AzureCloud' },
    });
}

async function withState(
    files: Record<string, string>,
    dotenvValues: Record<string, string>,
    body: (state: string) => Promise<void>,
): Promise<void> {
    const state = newState(dotenvValues, files);
    try {
        await body(state);
    } finally {
        rmSync(state, { recursive: true, force: true });
    }
}

describe('preprovision: the live identity settings survive a provision from an empty azd environment', () => {
    test('a pipeline provision with an empty azd environment keeps GRAPH_CLIENT_ID and GRAPH_CREDENTIAL on the live app', (t) =>
        withState(
            liveApp({ GRAPH_CLIENT_ID: LIVE_APP_ID, GRAPH_CREDENTIAL: 'managedIdentity', GRAPH_ENDPOINT: 'https://graph.microsoft.com' }),
            FRESH_DOTENV,
            async (state) => {
                const r = await runHook(state, '', CI_PROCESS_ENV, preprovisionCommand());
                assert.equal(r.status, 0, r.output);
                assert.ok(!r.calls.some((c) => c.startsWith('ad ') || c.startsWith('rest ')), 'no Microsoft Graph call in a pipeline');
                assert.ok(
                    r.calls.some((c) => c.startsWith('resource list --tag azd-env-name=dev --subscription 99999999')),
                    r.calls.join('\n'),
                );

                // What azd then passes to Bicep: its .env (now holding the kept values) over the job's variables.
                const parameters = Object.fromEntries(azdParameters(dotenv(state), CI_PROCESS_ENV));
                assert.equal(parameters.graphClientId, LIVE_APP_ID);
                assert.equal(parameters.graphCredentialType, 'managedIdentity');

                const main = armOrSkip(t);
                if (!main) return;
                assert.equal(deployedAppSetting(main, parameters, 'GRAPH_CLIENT_ID'), LIVE_APP_ID);
                assert.equal(deployedAppSetting(main, parameters, 'GRAPH_CREDENTIAL'), 'managedIdentity');
            },
        ));

    test('without the hook, the same provision would blank GRAPH_CLIENT_ID (the check above can fail)', (t) => {
        const parameters = Object.fromEntries(azdParameters(FRESH_DOTENV, CI_PROCESS_ENV));
        assert.equal(parameters.graphClientId, undefined, 'an unset GRAPH_CLIENT_ID is omitted: the Bicep default applies');
        const main = armOrSkip(t);
        if (!main) return;
        assert.equal(deployedAppSetting(main, parameters, 'GRAPH_CLIENT_ID'), '');
        assert.equal(deployedAppSetting(main, parameters, 'GRAPH_CREDENTIAL'), 'keyVaultSecret');
    });

    test("a pipeline provision from an empty azd environment targets the live app's own resource group, not rg-<env>", (t) =>
        withState(liveApp({ GRAPH_CLIENT_ID: LIVE_APP_ID }, 'rg-Graph-Users-Prod'), FRESH_DOTENV, async (state) => {
            const r = await runHook(state, '', CI_PROCESS_ENV, preprovisionCommand());
            assert.equal(r.status, 0, r.output);
            assert.equal(dotenv(state).AZURE_RESOURCE_GROUP, 'rg-Graph-Users-Prod');
            const parameters = Object.fromEntries(azdParameters(dotenv(state), CI_PROCESS_ENV));
            assert.equal(parameters.resourceGroupName, 'rg-Graph-Users-Prod');
            const main = armOrSkip(t);
            if (!main) return;
            assert.equal(deployedResourceGroup(main, parameters), 'rg-Graph-Users-Prod');
            // Without the hook the same provision would create a second copy of the environment in rg-dev.
            assert.equal(deployedResourceGroup(main, Object.fromEntries(azdParameters(FRESH_DOTENV, CI_PROCESS_ENV))), 'rg-dev');
        }));

    test("a pipeline refuses an AZURE_RESOURCE_GROUP other than the live app's (another copy of the environment)", () =>
        withState(liveApp({ GRAPH_CLIENT_ID: LIVE_APP_ID }, 'rg-graph-users-prod'), FRESH_DOTENV, async (state) => {
            const same = await runHook(state, 'preserve-settings', { ...CI_PROCESS_ENV, AZURE_RESOURCE_GROUP: 'RG-Graph-Users-Prod' });
            assert.equal(same.status, 0, `resource group names are case-insensitive: ${same.output}`);
            const r = await runHook(state, 'preserve-settings', { ...CI_PROCESS_ENV, AZURE_RESOURCE_GROUP: 'rg-dev' });
            assert.notEqual(r.status, 0, r.output);
            assert.match(
                r.output,
                /AZURE_RESOURCE_GROUP is 'rg-dev', but the function app of azd environment 'dev' lives in 'rg-graph-users-prod'/,
            );
        }));

    test("an administrator's run refuses another AZURE_RESOURCE_GROUP too: a provision never makes a second copy", () =>
        withState(liveApp({ GRAPH_CLIENT_ID: LIVE_APP_ID }, 'rg-graph-users-prod'), FRESH_DOTENV, async (state) => {
            const r = await runHook(state, 'preserve-settings', { AZURE_RESOURCE_GROUP: 'rg-dev' });
            assert.notEqual(r.status, 0, r.output);
            assert.match(
                r.output,
                /AZURE_RESOURCE_GROUP is 'rg-dev', but the function app of azd environment 'dev' lives in 'rg-graph-users-prod'/,
            );
            assert.match(r.output, /use another azd environment name/);
            assert.equal(dotenv(state).AZURE_RESOURCE_GROUP, undefined, 'nothing kept');
        }));

    test('an empty GitHub variable (set, but never filled) is replaced by the live value too', () =>
        withState(liveApp({ GRAPH_CLIENT_ID: LIVE_APP_ID }), FRESH_DOTENV, async (state) => {
            const r = await runHook(state, 'preserve-settings', { ...CI_PROCESS_ENV, GRAPH_CLIENT_ID: '' });
            assert.equal(r.status, 0, r.output);
            assert.equal(azdParameters(dotenv(state), { ...CI_PROCESS_ENV, GRAPH_CLIENT_ID: '' }).get('graphClientId'), LIVE_APP_ID);
        }));

    test('a pipeline refuses to change GRAPH_CLIENT_ID or GRAPH_CREDENTIAL on the live app', async () => {
        for (const [name, value] of [
            ['GRAPH_CLIENT_ID', APP_ID],
            ['GRAPH_CREDENTIAL', 'keyVaultSecret'],
        ] as const) {
            await withState(
                liveApp({ GRAPH_CLIENT_ID: LIVE_APP_ID, GRAPH_CREDENTIAL: 'keyVaultCertificate' }),
                FRESH_DOTENV,
                async (state) => {
                    const r = await runHook(state, 'preserve-settings', { ...CI_PROCESS_ENV, [name]: value });
                    assert.notEqual(r.status, 0, r.output);
                    assert.match(
                        r.output,
                        new RegExp(`${name} would change from '.+' to '${value}'\\. A pipeline never changes how the app signs in`),
                    );
                },
            );
        }
    });

    test('an administrator may change them (the postprovision hook then adapts the registration)', () =>
        withState(
            liveApp({ GRAPH_CLIENT_ID: LIVE_APP_ID, GRAPH_CREDENTIAL: 'keyVaultSecret' }),
            { ...PROVISIONED_ENV, GRAPH_CLIENT_ID: LIVE_APP_ID, GRAPH_CREDENTIAL: 'managedIdentity' },
            async (state) => {
                const r = await runHook(state, 'preserve-settings');
                assert.equal(r.status, 0, r.output);
                assert.match(r.output, /changing GRAPH_CREDENTIAL from 'keyVaultSecret' to 'managedIdentity' \(administrator run\)/);
                assert.equal(dotenv(state).GRAPH_CREDENTIAL, 'managedIdentity');
            },
        ));

    test('refuses to provision when the live settings cannot be read', () =>
        withState(liveApp({ GRAPH_CLIENT_ID: LIVE_APP_ID }), FRESH_DOTENV, async (state) => {
            const r = await runHook(state, 'preserve-settings', { ...CI_PROCESS_ENV, FAKE_SETTINGS: 'fail' });
            assert.notEqual(r.status, 0);
            assert.match(r.output, /refusing to provision, which would overwrite them unseen \(GRAPH_CLIENT_ID could be blanked\)/);
        }));

    test("the first provision is an administrator's: allowed on a workstation, refused in a pipeline", () =>
        withState({}, FRESH_DOTENV, async (state) => {
            const admin = await runHook(state, 'preserve-settings', { AZURE_ENV_NAME: 'dev' });
            assert.equal(admin.status, 0, admin.output);
            assert.match(admin.output, /first provision/);
            const pipeline = await runHook(state, 'preserve-settings', CI_PROCESS_ENV);
            assert.notEqual(pipeline.status, 0);
            assert.match(pipeline.output, /The first provision is an administrator's:\s+they run `azd up` once/);
            assert.equal(read(state, 'appsettings'), '');
        }));
});
