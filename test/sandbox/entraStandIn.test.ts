import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { SANDBOX_CALLER_APP_ID, SANDBOX_OTHER_TENANT_ID } from '../../sandbox/index.js';
import { startGuardedSandbox } from '../support/startGuardedSandbox.js';
import type { Sandbox } from '../../sandbox/index.js';
import { acquireGraphToken, sandboxMsalClient } from './acquireGraphToken.js';

describe('Entra ID stand-in', () => {
    let sandbox: Sandbox;
    let tokenUrl: string;
    let scope: string;
    before(async () => {
        sandbox = await startGuardedSandbox({ userCount: 10 });
        tokenUrl = `${sandbox.settings.AUTHORITY_HOST}/${sandbox.tenantId}/oauth2/v2.0/token`;
        scope = `${sandbox.settings.GRAPH_ENDPOINT}/.default`;
    });
    after(() => sandbox.close());

    const post = async (form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> => {
        const response = await fetch(tokenUrl, { method: 'POST', body: new URLSearchParams(form) });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const credentials = (): Record<string, string> => ({
        grant_type: 'client_credentials',
        client_id: sandbox.clientId,
        client_secret: sandbox.clientSecret,
        scope,
    });

    it('issues an RS256 Graph token through MSAL, which Graph accepts', async () => {
        sandbox.counters.reset();
        const token = await acquireGraphToken(sandbox);
        const claims = decodeJwt(token);
        assert.equal(decodeProtectedHeader(token).alg, 'RS256');
        assert.ok(decodeProtectedHeader(token).kid);
        assert.equal(claims.aud, sandbox.settings.GRAPH_ENDPOINT);
        assert.equal(claims.tid, sandbox.tenantId);
        assert.equal(claims.appid, sandbox.clientId);
        assert.deepEqual(claims.roles, ['User.Read.All']);
        assert.ok(sandbox.issuedTokens().includes(token));
        const response = await fetch(`${sandbox.settings.GRAPH_ENDPOINT}/v1.0/users?$top=1`, {
            headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(response.status, 200);
        assert.deepEqual(
            { requests: sandbox.counters.tokenRequests, successes: sandbox.counters.tokenSuccesses },
            { requests: 1, successes: 1 },
        );
        const discovery = sandbox.requests.find((r) => r.path.endsWith('/.well-known/openid-configuration'));
        assert.equal(discovery?.host, new URL(sandbox.settings.AUTHORITY_HOST ?? '').host);
    });

    it('rejects a wrong secret with invalid_client 7000215, shaped like Entra', async () => {
        const { status, body } = await post({ ...credentials(), client_secret: 'not-the-secret' });
        assert.equal(status, 401);
        assert.equal(body.error, 'invalid_client');
        assert.deepEqual(body.error_codes, [7000215]);
        assert.match(
            String(body.error_description),
            /^AADSTS7000215: Invalid client secret provided\..* Trace ID: [0-9a-f-]{36} Correlation ID: [0-9a-f-]{36} Timestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/,
        );
        for (const key of ['timestamp', 'trace_id', 'correlation_id', 'error_uri']) assert.equal(typeof body[key], 'string', key);
    });

    it('surfaces 7000215 to MSAL as a ServerError with errorNo', async () => {
        await assert.rejects(sandboxMsalClient(sandbox, 'wrong').acquireTokenByClientCredential({ scopes: [scope] }), (error: unknown) => {
            const e = error as { errorCode?: string; errorNo?: string | number; status?: number };
            assert.equal(e.errorCode, 'invalid_client');
            assert.equal(String(e.errorNo), '7000215');
            return true;
        });
    });

    it('answers unknown client, bad scope, unknown resource, bad grant and unknown tenant like Entra', async () => {
        const cases: [Record<string, string>, number, string, number][] = [
            [{ client_id: '00000000-0000-0000-0000-000000000001' }, 400, 'unauthorized_client', 700016],
            [{ scope: 'User.Read' }, 400, 'invalid_scope', 1002012],
            [{ scope: 'https://graph.microsoft.com/.default' }, 400, 'invalid_resource', 500011],
            [{ grant_type: 'password' }, 400, 'unsupported_grant_type', 70003],
        ];
        for (const [override, status, error, code] of cases) {
            const result = await post({ ...credentials(), ...override });
            assert.deepEqual(
                [result.status, result.body.error, result.body.error_codes],
                [status, error, [code]],
                JSON.stringify(override),
            );
        }
        const response = await fetch(tokenUrl.replace(sandbox.tenantId, 'contoso.example'), {
            method: 'POST',
            body: new URLSearchParams(credentials()),
        });
        assert.equal(response.status, 400);
        assert.deepEqual(((await response.json()) as { error_codes: number[] }).error_codes, [90002]);
    });

    it('token.fail injects Entra-shaped transient errors, then clears', async () => {
        sandbox.faults.token.fail(1, 503);
        const failed = await post(credentials());
        assert.equal(failed.status, 503);
        assert.equal(failed.body.error, 'temporarily_unavailable');
        assert.match(String(failed.body.error_description), /^AADSTS90033: /);
        assert.equal((await post(credentials())).status, 200);
    });

    it('an unpropagated secret is refused with 7000215 (counted) until completePropagation, the old one still accepted', async () => {
        const old = sandbox.clientSecret;
        sandbox.counters.reset();
        const fresh = await sandbox.rotateSecret({ unpropagated: true });
        assert.equal(sandbox.clientSecret, fresh);
        assert.deepEqual((await post(credentials())).body.error_codes, [7000215]);
        assert.equal(sandbox.counters.unpropagatedCredentialRejections, 1);
        assert.equal((await post({ ...credentials(), client_secret: old })).status, 200);
        assert.equal(sandbox.counters.olderCredentialAccepted, 1);
        await assert.rejects(sandbox.rotateSecret({ unpropagated: true, revokeOld: true }), /completePropagation/);
        sandbox.completePropagation({ revokeOld: true });
        assert.equal((await post(credentials())).status, 200);
        assert.equal(sandbox.counters.newestCredentialAccepted, 1);
        assert.deepEqual((await post({ ...credentials(), client_secret: old })).body.error_codes, [7000215]);
    });

    it('rotation revokes the old secret; expiry gives 7000222', async () => {
        const old = sandbox.clientSecret;
        const fresh = await sandbox.rotateSecret();
        assert.notEqual(fresh, old);
        assert.equal(sandbox.clientSecret, fresh);
        assert.deepEqual(sandbox.secretHistory().slice(-2), [old, fresh]);
        assert.deepEqual((await post({ ...credentials(), client_secret: old })).body.error_codes, [7000215]);
        assert.equal((await post(credentials())).status, 200);
        const kept = sandbox.clientSecret;
        await sandbox.rotateSecret({ revokeOld: false });
        assert.equal((await post({ ...credentials(), client_secret: kept })).status, 200);
        sandbox.expireSecret();
        const expired = await post(credentials());
        assert.deepEqual([expired.status, expired.body.error, expired.body.error_codes], [401, 'invalid_client', [7000222]]);
    });

    it('publishes the caller-token keys in the tenant JWKS, rolls them over, and verifies caller tokens of each kind with jose', async () => {
        const keysUrl = new URL(`${sandbox.settings.AUTHORITY_HOST}/${sandbox.tenantId}/discovery/v2.0/keys`);
        sandbox.counters.reset();
        const tokens = sandbox.callerTokens;
        const v2 = await tokens.issue();
        const v1user = await tokens.issue({ version: 1, kind: 'user' });
        const { payload: p2 } = await jwtVerify(v2, createRemoteJWKSet(keysUrl), {
            issuer: `${sandbox.settings.AUTHORITY_HOST}/${sandbox.tenantId}/v2.0`,
            audience: tokens.apiClientId,
        });
        assert.deepEqual([p2.ver, p2.azp, p2.idtyp, p2.roles], ['2.0', SANDBOX_CALLER_APP_ID, 'app', ['Users.Read.All']]);
        const { payload: p1 } = await jwtVerify(v1user, createRemoteJWKSet(keysUrl), {
            issuer: `https://sts.windows.net/${sandbox.tenantId}/`,
            audience: tokens.appIdUri,
        });
        assert.deepEqual([p1.ver, p1.appid, p1.scp, p1.idtyp], ['1.0', SANDBOX_CALLER_APP_ID, 'user_impersonation', 'user']);
        assert.equal(sandbox.counters.jwksRequests, 2);
        assert.equal(decodeJwt(await tokens.issue({ tenant: 'other' })).tid, SANDBOX_OTHER_TENANT_ID);
        await assert.rejects(jwtVerify(await tokens.issue({ signingKey: 'unknown' }), createRemoteJWKSet(keysUrl)));

        const before = ((await (await fetch(keysUrl)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
        const kid = await tokens.rollOver();
        const after = ((await (await fetch(keysUrl)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
        assert.deepEqual(after, [...before, kid], 'the new key is published next to the old ones');
        assert.equal(decodeProtectedHeader(await tokens.issue()).kid, kid);
    });

    it('discovery.fail makes the keys and the metadata fail, then clears; both are counted', async () => {
        sandbox.counters.reset();
        const base = `${sandbox.settings.AUTHORITY_HOST}/${sandbox.tenantId}`;
        sandbox.faults.discovery.fail(2, 503);
        assert.equal((await fetch(`${base}/discovery/v2.0/keys`)).status, 503);
        assert.equal((await fetch(`${base}/v2.0/.well-known/openid-configuration`)).status, 503);
        assert.equal((await fetch(`${base}/discovery/v2.0/keys`)).status, 200);
        const metadata = (await (
            await fetch(`${sandbox.settings.AUTHORITY_HOST}/contoso.sandbox/v2.0/.well-known/openid-configuration`)
        ).json()) as {
            issuer: string;
        };
        assert.equal(metadata.issuer, `${base}/v2.0`, 'the domain resolves to the tenant id');
        assert.deepEqual([sandbox.counters.jwksRequests, sandbox.counters.openIdConfigurationRequests], [2, 2]);
    });
});
