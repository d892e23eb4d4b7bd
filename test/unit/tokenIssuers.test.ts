import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenIssuers } from '../../src/callerAuth/tokenIssuers.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

// The sandbox covers the global cloud's shape over the wire; the national clouds' issuers are only reachable here.
describe('caller token issuers by cloud (from AUTHORITY_HOST)', () => {
    for (const [host, v1, v2] of [
        ['https://login.microsoftonline.com', [`https://sts.windows.net/${TENANT}/`], [`https://login.microsoftonline.com/${TENANT}/v2.0`]],
        ['https://login.microsoftonline.us', [`https://sts.windows.net/${TENANT}/`], [`https://login.microsoftonline.us/${TENANT}/v2.0`]],
        [
            'https://login.chinacloudapi.cn',
            [`https://sts.chinacloudapi.cn/${TENANT}/`],
            [`https://login.chinacloudapi.cn/${TENANT}/v2.0`, `https://login.partner.microsoftonline.cn/${TENANT}/v2.0`],
        ],
        [
            'https://login.partner.microsoftonline.cn',
            [`https://sts.chinacloudapi.cn/${TENANT}/`],
            [`https://login.chinacloudapi.cn/${TENANT}/v2.0`, `https://login.partner.microsoftonline.cn/${TENANT}/v2.0`],
        ],
        ['https://127.0.0.1:44321', [`https://sts.windows.net/${TENANT}/`], [`https://127.0.0.1:44321/${TENANT}/v2.0`]],
    ] as const) {
        it(`${host}: v1 ${v1.join(', ')}; v2 ${v2.join(', ')}`, () => {
            assert.deepEqual(tokenIssuers(host, TENANT), { v1, v2 });
        });
    }

    it('names only the configured tenant: never a pattern, never another tenant', () => {
        const other = '00000000-0000-0000-0000-000000000001';
        const { v1, v2 } = tokenIssuers('https://login.chinacloudapi.cn', TENANT);
        for (const issuer of [...v1, ...v2]) {
            assert.ok(issuer.includes(`/${TENANT}/`), issuer);
            assert.ok(!issuer.includes(other) && !issuer.includes('{'), issuer);
        }
    });
});
