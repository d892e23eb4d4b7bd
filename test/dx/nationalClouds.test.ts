/**
 * docs/national-clouds.md is the operator's reference for AUTHORITY_HOST / GRAPH_ENDPOINT pairs. The table is
 * parsed here, so a row the app would reject, or a row that asks for the wrong scope, fails the build.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCoreSettings } from '../../src/config/CoreSettings.js';
import { GraphTokenProvider } from '../../src/token/GraphTokenProvider.js';
import type { ClientSecretSource } from '../../src/secret/ClientSecret.js';
import { KeyVaultSecretCredentialSource } from '../../src/credentials/KeyVaultSecretCredentialSource.js';
import { codeIn, readDoc, tableWithColumns } from './markdownTable.js';

const rows = tableWithColumns(readDoc('docs/national-clouds.md'), ['Cloud', 'AUTHORITY_HOST', 'GRAPH_ENDPOINT'] as const).map((r) => ({
    cloud: r.Cloud,
    authorityHost: codeIn(r.AUTHORITY_HOST),
    graphEndpoint: codeIn(r.GRAPH_ENDPOINT),
}));

const required = {
    GRAPH_TENANT_ID: '00000000-0000-0000-0000-000000000001',
    GRAPH_CLIENT_ID: '00000000-0000-0000-0000-000000000002',
    KEY_VAULT_URL: 'https://kv-example.vault.azure.net',
};

/** Constructing the provider must not read the secret; any call here is a bug. */
const noSecrets: ClientSecretSource = {
    getSecret: () => Promise.reject(new Error('the token provider read the secret during construction')),
    getEarlierSecret: () => Promise.reject(new Error('the token provider read the secret during construction')),
};

// Checked against Microsoft Graph "National cloud deployments" (learn.microsoft.com/graph/deployments).
const verified = [
    ['https://login.microsoftonline.com', 'https://graph.microsoft.com'],
    ['https://login.microsoftonline.us', 'https://graph.microsoft.us'],
    ['https://login.microsoftonline.us', 'https://dod-graph.microsoft.us'],
    ['https://login.chinacloudapi.cn', 'https://microsoftgraph.chinacloudapi.cn'],
] as const;

test('the national clouds table lists the verified endpoint pairs, each once', () => {
    const pairs = rows.map((r) => `${r.authorityHost} ${r.graphEndpoint}`);
    assert.equal(new Set(pairs).size, pairs.length, `duplicate rows: ${pairs.join(', ')}`);
    for (const [authority, graph] of verified) {
        assert.ok(pairs.includes(`${authority} ${graph}`), `docs/national-clouds.md lacks ${authority} / ${graph}`);
    }
});

for (const row of rows) {
    test(`national cloud "${row.cloud}": settings accepted and scope is ${row.graphEndpoint}/.default`, () => {
        for (const [name, value] of [
            ['AUTHORITY_HOST', row.authorityHost],
            ['GRAPH_ENDPOINT', row.graphEndpoint],
        ] as const) {
            const url = new URL(value);
            assert.equal(url.protocol, 'https:', `${name} ${value} must be https`);
            assert.equal(value, url.origin, `${name} ${value} must be a bare origin (no path, no trailing slash)`);
        }

        const settings = loadCoreSettings({ ...required, AUTHORITY_HOST: row.authorityHost, GRAPH_ENDPOINT: row.graphEndpoint });
        assert.equal(settings.authorityHost, row.authorityHost);
        assert.equal(settings.graphEndpoint, row.graphEndpoint);

        const provider = new GraphTokenProvider({
            tenantId: settings.tenantId,
            clientId: settings.clientId,
            authorityHost: settings.authorityHost,
            graphEndpoint: settings.graphEndpoint,
            credentials: new KeyVaultSecretCredentialSource(noSecrets),
        });
        assert.equal(provider.scope, `${row.graphEndpoint}/.default`);
        assert.equal(provider.tokenRequests, 0);
    });

    test(`national cloud "${row.cloud}": a trailing slash or a pasted /v1.0 gives the same scope`, () => {
        for (const graphEndpoint of [`${row.graphEndpoint}/`, `${row.graphEndpoint}/v1.0`, `${row.graphEndpoint}/beta/`]) {
            const settings = loadCoreSettings({ ...required, AUTHORITY_HOST: `${row.authorityHost}/`, GRAPH_ENDPOINT: graphEndpoint });
            assert.equal(settings.authorityHost, row.authorityHost);
            const provider = new GraphTokenProvider({ ...settings, credentials: new KeyVaultSecretCredentialSource(noSecrets) });
            assert.equal(provider.scope, `${row.graphEndpoint}/.default`, `GRAPH_ENDPOINT=${graphEndpoint}`);
        }
    });
}
