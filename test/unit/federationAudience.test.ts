import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { federationAudience } from '../../src/credentials/federationAudience.js';

describe('federation audience by cloud (from AUTHORITY_HOST)', () => {
    for (const [host, audience] of [
        ['https://login.microsoftonline.com', 'api://AzureADTokenExchange'],
        ['https://login.microsoftonline.us', 'api://AzureADTokenExchangeUSGov'],
        ['https://LOGIN.MicrosoftOnline.us/', 'api://AzureADTokenExchangeUSGov'],
        ['https://login.chinacloudapi.cn', 'api://AzureADTokenExchangeChina'],
        // Aliases are not mapped: the hook and main.bicep know only the canonical hosts (one truth, test/infra/cloudEndpoints.test.ts).
        ['https://login.usgovcloudapi.net', 'api://AzureADTokenExchange'],
        ['https://login.partner.microsoftonline.cn', 'api://AzureADTokenExchange'],
        ['https://127.0.0.1:44321', 'api://AzureADTokenExchange'],
        ['https://login.microsoftonline.us.example.com', 'api://AzureADTokenExchange'],
    ] as const) {
        it(`${host} → ${audience}`, () => {
            assert.equal(federationAudience(host), audience);
        });
    }
});
