/**
 * The identity token cache behind the federated assertion, with a stand-in TokenCredential and a clock the
 * test moves (the wire tests count requests against the sandbox; this one pins the refresh rule).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { SignJWT } from 'jose';
import { ManagedIdentityCredentialSource } from '../../src/credentials/ManagedIdentityCredentialSource.js';
import { AppError } from '../../src/errors/AppError.js';

const MINUTE = 60_000;
const USER_ASSIGNED = '/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-app';
const SYSTEM_ASSIGNED = '/subscriptions/s/resourcegroups/rg/providers/Microsoft.Web/sites/func-app';

async function jwt(mirid: string): Promise<string> {
    return new SignJWT({
        xms_mirid: mirid,
        sub: 'principal-1',
        aud: 'api://AzureADTokenExchange',
        iss: 'https://login.microsoftonline.com/t/v2.0',
    })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode('k'.repeat(32)));
}

function fakeIdentity(now: () => number, lifetimeMs: number, mirid = USER_ASSIGNED): TokenCredential & { calls: string[][] } {
    const calls: string[][] = [];
    return {
        calls,
        async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
            calls.push([scopes].flat());
            await Promise.resolve();
            return { token: await jwt(mirid), expiresOnTimestamp: now() + lifetimeMs, tokenType: 'Bearer' };
        },
    };
}

describe('managed identity as a federated credential: the assertion cache', () => {
    it('asks for <audience>/.default once, shares one request among concurrent callers, and reuses the token until 5 minutes before expiry', async () => {
        let clock = 0;
        const identity = fakeIdentity(() => clock, 60 * MINUTE);
        const source = new ManagedIdentityCredentialSource({
            identity,
            identityClientId: 'c',
            audience: 'api://AzureADTokenExchange',
            now: () => clock,
        });
        const first = await Promise.all(Array.from({ length: 20 }, () => source.assertion()));
        assert.equal(new Set(first).size, 1);
        assert.deepEqual(identity.calls, [['api://AzureADTokenExchange/.default']]);
        clock = 54 * MINUTE;
        await source.assertion();
        assert.equal(identity.calls.length, 1, 'still fresh 6 minutes before expiry');
        clock = 55 * MINUTE;
        await source.assertion();
        assert.equal(identity.calls.length, 2, 'asked again 5 minutes before expiry');
        const facts = (await source.getCredential()).facts();
        assert.deepEqual(facts.federation, {
            issuer: 'https://login.microsoftonline.com/t/v2.0',
            subject: 'principal-1',
            audience: 'api://AzureADTokenExchange',
        });
    });

    it('a system-assigned identity’s token is refused with TokenSystemAssignedIdentity', async () => {
        const source = new ManagedIdentityCredentialSource({
            identity: fakeIdentity(Date.now, 60 * MINUTE, SYSTEM_ASSIGNED),
            identityClientId: 'c',
            audience: 'a',
        });
        await assert.rejects(source.assertion(), (e: unknown) => e instanceof AppError && e.code === 'TokenSystemAssignedIdentity');
    });

    it('only AADSTS70021 counts as propagation; nothing is a stale credential (the identity library refreshes)', () => {
        const source = new ManagedIdentityCredentialSource({
            identity: fakeIdentity(Date.now, MINUTE),
            identityClientId: 'c',
            audience: 'a',
        });
        assert.ok(source.isPropagationError({ errorNo: '70021' }));
        assert.ok(!source.isPropagationError({ errorNo: '700213' }));
        assert.ok(!source.isStaleCredentialError());
    });
});
