/**
 * National clouds in the compiled Bicep: AUTHORITY_HOST and GRAPH_ENDPOINT default to the cloud being
 * deployed to (`environment()`), a cloud without a known Microsoft Graph fails the deployment instead of
 * silently getting the global one, and a known authority is never paired with another cloud's Graph.
 * The template's own expressions are evaluated (test/infra/armExpression.ts) for each cloud's
 * environment(); the expected pairs are docs/national-clouds.md's table. The federation audience per login
 * host has one truth in three places (the app, the hook that registers the credential, main.bicep's login hosts):
 * they are compared here.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { codeIn, readDoc, tableWithColumns } from '../dx/markdownTable.js';
import { ArmFailure, evaluate } from './armExpression.js';
import { azdParameters } from './azdParameters.js';
import { armOrSkip, moduleParams, repoRoot, run, type Json } from './tools.js';
import { join } from 'node:path';
import { federationAudience } from '../../src/credentials/federationAudience.js';

/** environment().name and authentication.loginEndpoint as ARM reports them per cloud. */
const CLOUDS = {
    AzureCloud: 'https://login.microsoftonline.com/',
    AzureUSGovernment: 'https://login.microsoftonline.us/',
    AzureChinaCloud: 'https://login.chinacloudapi.cn/',
} as const;

const docRows = tableWithColumns(readDoc('docs/national-clouds.md'), ['Cloud', 'AUTHORITY_HOST', 'GRAPH_ENDPOINT'] as const).map((r) => ({
    cloud: r.Cloud,
    authorityHost: codeIn(r.AUTHORITY_HOST),
    graphEndpoint: codeIn(r.GRAPH_ENDPOINT),
}));

/** The effective AUTHORITY_HOST and GRAPH_ENDPOINT the app would get, as azd would deploy them. */
function endpoints(
    main: Json,
    cloud: string,
    loginEndpoint: string,
    dotenv: Record<string, string> = {},
): { authorityHost: string; graphEndpoint: string } {
    const parameters = Object.fromEntries(azdParameters({ AZURE_ENV_NAME: 'dev', AZURE_LOCATION: 'swedencentral', ...dotenv }));
    const context = { template: main, parameters, environment: { name: cloud, authentication: { loginEndpoint } } };
    const api = moduleParams(main, 'api');
    return { authorityHost: String(evaluate(api.authorityHost, context)), graphEndpoint: String(evaluate(api.graphEndpoint, context)) };
}

function failure(fn: () => unknown): string {
    try {
        fn();
    } catch (e) {
        if (e instanceof ArmFailure) return e.message;
        throw e;
    }
    assert.fail('expected the deployment to fail');
}

describe('Bicep endpoints by cloud', () => {
    test('the app settings and the outputs use the effective (validated) endpoints', (t) => {
        const main = armOrSkip(t);
        if (!main) return;
        const api = moduleParams(main, 'api');
        assert.equal(api.graphEndpoint, "[variables('effectiveGraphEndpoint')]");
        assert.equal(api.authorityHost, "[variables('effectiveAuthorityHost')]");
        const outputs = main.outputs as Record<string, { value: unknown }>;
        assert.equal(outputs.GRAPH_ENDPOINT?.value, "[variables('effectiveGraphEndpoint')]");
        assert.equal(outputs.AUTHORITY_HOST?.value, "[variables('effectiveAuthorityHost')]");
    });

    for (const [cloud, loginEndpoint] of Object.entries(CLOUDS)) {
        test(`${cloud}: with nothing set, the authority and Graph of ${cloud}, a pair from docs/national-clouds.md`, (t) => {
            const main = armOrSkip(t);
            if (!main) return;
            const got = endpoints(main, cloud, loginEndpoint);
            assert.equal(got.authorityHost, loginEndpoint.replace(/\/$/, ''));
            assert.ok(
                docRows.some((r) => r.authorityHost === got.authorityHost && r.graphEndpoint === got.graphEndpoint),
                `${got.authorityHost} + ${got.graphEndpoint} is not a documented pair`,
            );
            // An empty value (a CI variable that exists but was never filled) behaves the same.
            assert.deepEqual(endpoints(main, cloud, loginEndpoint, { GRAPH_ENDPOINT: '', AUTHORITY_HOST: '' }), got);
        });
    }

    test('the global cloud defaults to the registry default, https://graph.microsoft.com', (t) => {
        const main = armOrSkip(t);
        if (!main) return;
        assert.equal(endpoints(main, 'AzureCloud', CLOUDS.AzureCloud).graphEndpoint, 'https://graph.microsoft.com');
    });

    test('a cloud with no known Microsoft Graph fails the deployment instead of getting the global Graph', (t) => {
        const main = armOrSkip(t);
        if (!main) return;
        const message = failure(() => endpoints(main, 'USNat', 'https://login.microsoftonline.eaglex.ic.gov/'));
        assert.match(message, /No Microsoft Graph endpoint is known for cloud 'USNat'/);
        assert.match(message, /azd env set GRAPH_ENDPOINT/);
        // ...and works there once GRAPH_ENDPOINT is set explicitly.
        const explicit = endpoints(main, 'USNat', 'https://login.microsoftonline.eaglex.ic.gov/', {
            GRAPH_ENDPOINT: 'https://graph.eaglex.ic.gov',
        });
        assert.equal(explicit.graphEndpoint, 'https://graph.eaglex.ic.gov');
    });

    for (const row of docRows) {
        test(`every documented pair deploys: ${row.cloud}`, (t) => {
            const main = armOrSkip(t);
            if (!main) return;
            const got = endpoints(main, 'AzureCloud', CLOUDS.AzureCloud, {
                AUTHORITY_HOST: row.authorityHost,
                GRAPH_ENDPOINT: row.graphEndpoint,
            });
            assert.deepEqual(got, { authorityHost: row.authorityHost, graphEndpoint: row.graphEndpoint });
        });
    }

    test('a sovereign authority is never paired with the global Graph, nor the global authority with a sovereign one', (t) => {
        const main = armOrSkip(t);
        if (!main) return;
        const mismatches: [string, string, Record<string, string>][] = [
            ['AzureUSGovernment', CLOUDS.AzureUSGovernment, { GRAPH_ENDPOINT: 'https://graph.microsoft.com' }],
            ['AzureChinaCloud', CLOUDS.AzureChinaCloud, { GRAPH_ENDPOINT: 'https://graph.microsoft.com/v1.0' }],
            ['AzureCloud', CLOUDS.AzureCloud, { GRAPH_ENDPOINT: 'https://dod-graph.microsoft.us' }],
            ['AzureCloud', CLOUDS.AzureCloud, { AUTHORITY_HOST: 'https://login.microsoftonline.us' }],
        ];
        for (const [cloud, login, dotenv] of mismatches) {
            assert.match(
                failure(() => endpoints(main, cloud, login, dotenv)),
                /is not the Microsoft Graph of AUTHORITY_HOST/,
                `${cloud} ${JSON.stringify(dotenv)}`,
            );
        }
    });
});

/** The audience the post-provision hook registers on the federated credential for this AUTHORITY_HOST. */
function hookAudience(authorityHost: string): string {
    const common = join(repoRoot, 'scripts', 'postprovision', 'lib', 'common.sh');
    const r = run('bash', ['-c', 'source "$1" && AUTHORITY_HOST="$2" && federation_audience', 'hook', common, authorityHost]);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
}

describe('federation audience: one truth for the app, the hook and main.bicep', () => {
    test('the app and the hook derive the same audience for every login host, aliases and look-alikes included', () => {
        const hosts = [
            ...docRows.map((r) => r.authorityHost),
            'https://LOGIN.MicrosoftOnline.us/',
            'https://login.usgovcloudapi.net',
            'https://login.partner.microsoftonline.cn',
            'https://login.microsoftonline.us.example.com',
            'https://127.0.0.1:44321',
        ];
        for (const host of hosts) assert.equal(hookAudience(host), federationAudience(host), host);
    });

    test("the hosts with a cloud's own audience are exactly main.bicep's national login hosts", (t) => {
        const main = armOrSkip(t);
        if (!main) return;
        const bicepHosts = Object.keys((main.variables as Record<string, Record<string, unknown>>).graphHostsByAuthorityHost ?? {});
        assert.ok(bicepHosts.includes('login.microsoftonline.com'), bicepHosts.join(', '));
        const national = bicepHosts.filter((host) => federationAudience(`https://${host}`) !== 'api://AzureADTokenExchange');
        assert.deepEqual(national.sort(), ['login.chinacloudapi.cn', 'login.microsoftonline.us']);
        for (const host of bicepHosts) assert.equal(hookAudience(`https://${host}`), federationAudience(`https://${host}`), host);
    });
});
