/**
 * Caller authorization against the sandbox's Entra ID over HTTPS, with jose's real remote key set:
 * what each token gets, the audit line, the tenant given by domain, the key set's fetch discipline
 * (one fetch for concurrent cold callers, one refetch per unknown key id, none within the cool-down)
 * and what happens when the keys or the metadata cannot be read. Each rejection's answer through the
 * Node worker and the HTTP proxy, and the token fuzzer, are in test/functions/callerAuthWorker.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import type { CallerAuthorizer } from '../../src/callerAuth/CallerAuthorizer.js';
import { CLOCK_SKEW_SECONDS } from '../../src/callerAuth/CallerTokenValidator.js';
import { SIGNING_KEYS_COOLDOWN_MS, SIGNING_KEYS_MAX_AGE_MS } from '../../src/callerAuth/SigningKeys.js';
import { createCallerAuthorizer } from '../../src/runtime/createCallerAuthorizer.js';
import type { Runtime } from '../../src/runtime/createRuntime.js';
import { SANDBOX_CALLER_APP_ID, SANDBOX_CALLER_USER_ID, SANDBOX_UNAUTHORIZED_APP_ID } from '../../sandbox/index.js';
import { startTestSandbox, type TestSandbox } from '../support/startTestSandbox.js';

describe('caller authorization against the sandbox Entra ID', () => {
    let t: TestSandbox;
    let runtime: Runtime;
    before(async () => {
        t = await startTestSandbox({ userCount: 20 });
        runtime = t.newRuntime();
    });
    after(() => t.close());

    const authorizer = (overrides: Readonly<Record<string, string>> = {}): CallerAuthorizer =>
        createCallerAuthorizer({ ...t.sandbox.settings, ...t.sandbox.callerTokens.settings, ...overrides }, t.logs.logger('auth'));
    const call = (auth: CallerAuthorizer, token?: string) =>
        t.invoke(
            'top=2',
            runtime,
            { accept: 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
            auth,
        );
    const challenge = (response: { headers?: unknown }): string | undefined =>
        (response.headers as Record<string, string> | undefined)?.['WWW-Authenticate'];
    const summaryOf = (invocationId: string): Record<string, unknown> => {
        const line = t.logs.lines.find(
            (l) => l.includes('"event":"graphUsers.invocation"') && l.includes(`"invocationId":"${invocationId}"`),
        );
        assert.ok(line, `no summary for ${invocationId}`);
        return JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>;
    };

    it('accepts v1 and v2 application and user tokens with the role, and the summary names the caller', async () => {
        const auth = authorizer();
        const cases = [
            { version: 2, kind: 'application', appId: SANDBOX_CALLER_APP_ID },
            { version: 1, kind: 'application', appId: SANDBOX_CALLER_APP_ID },
            { version: 2, kind: 'user', appId: SANDBOX_CALLER_APP_ID },
            { version: 1, kind: 'user', appId: SANDBOX_CALLER_APP_ID },
        ] as const;
        for (const c of cases) {
            const token = await t.sandbox.callerTokens.issue({ version: c.version, kind: c.kind });
            const response = await call(auth, token);
            assert.equal(response.status, 200, `${JSON.stringify(c)}: ${JSON.stringify(response.json)}`);
            const summary = summaryOf(response.invocationId);
            assert.equal(summary.auth, 'entraId');
            const caller = summary.caller as Record<string, unknown>;
            assert.equal(caller.appId, c.appId);
            assert.equal(caller.tid, t.sandbox.tenantId);
            assert.equal(caller.type, c.kind);
            assert.equal(caller.role, 'Users.Read.All');
            assert.equal(caller.tokenVersion, `${c.version}.0`);
            if (c.kind === 'user') assert.equal(caller.oid, SANDBOX_CALLER_USER_ID);
        }
        // A v1 token may name the API by its client id too.
        const byClientId = await t.sandbox.callerTokens.issue({ version: 1, audience: t.sandbox.callerTokens.apiClientId });
        assert.equal((await call(auth, byClientId)).status, 200);
    });

    it('a 403 is audited with the refused caller, and no answer or log line carries the token', async () => {
        const token = await t.sandbox.callerTokens.issue({ roles: [], appId: SANDBOX_UNAUTHORIZED_APP_ID });
        const response = await call(authorizer(), token);
        assert.equal(response.status, 403);
        const summary = summaryOf(response.invocationId);
        assert.equal(summary.errorCode, 'CallerForbidden');
        assert.deepEqual(summary.caller, {
            oid: t.sandbox.callerTokens.claims({ appId: SANDBOX_UNAUTHORIZED_APP_ID }).oid as string,
            appId: SANDBOX_UNAUTHORIZED_APP_ID,
            tid: t.sandbox.tenantId,
            type: 'application',
            role: null,
            tokenVersion: '2.0',
        });
        assert.ok(!t.logs.lines.some((l) => l.includes(token.slice(20, 60))), 'no part of the token is logged');
    });

    it('exp and nbf are checked with the documented clock skew, not more', async () => {
        const auth = authorizer();
        const tokens = t.sandbox.callerTokens;
        // Well inside the skew on both sides (seconds of slack, so a slow machine cannot tip them over).
        assert.equal((await call(auth, await tokens.issue({ expiresInSeconds: -CLOCK_SKEW_SECONDS + 20 }))).status, 200);
        assert.equal((await call(auth, await tokens.issue({ notBeforeInSeconds: CLOCK_SKEW_SECONDS - 20 }))).status, 200);
        assert.equal((await call(auth, await tokens.issue({ expiresInSeconds: -CLOCK_SKEW_SECONDS - 20 }))).status, 401);
        assert.equal((await call(auth, await tokens.issue({ notBeforeInSeconds: CLOCK_SKEW_SECONDS + 20 }))).status, 401);
    });

    it('200 concurrent cold callers make one key-set fetch; forged headers make none', async () => {
        const auth = authorizer();
        t.sandbox.counters.reset();
        const forged = [
            `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"aud":"x"}').toString('base64url')}.`,
            `${Buffer.from('{"alg":"HS256","kid":"k"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.c2ln`,
            `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.c2ln`,
        ];
        for (const token of forged) assert.equal((await call(auth, token)).status, 401);
        assert.equal(t.sandbox.counters.jwksRequests, 0, 'refused before any key lookup');
        const token = await t.sandbox.callerTokens.issue();
        const statuses = await Promise.all(Array.from({ length: 200 }, () => auth.authorize(`Bearer ${token}`).then(() => 200)));
        assert.ok(statuses.every((s) => s === 200));
        assert.equal(t.sandbox.counters.jwksRequests, 1);
        assert.equal(t.sandbox.counters.openIdConfigurationRequests, 0, 'a tenant GUID needs no metadata');
    });

    it('a new key id is accepted after exactly one refetch once the cool-down has passed; within it, unknown key ids cost nothing', async () => {
        mock.timers.enable({ apis: ['Date'], now: Date.now() });
        try {
            const auth = authorizer();
            t.sandbox.counters.reset();
            assert.equal((await call(auth, await t.sandbox.callerTokens.issue())).status, 200);
            assert.equal(t.sandbox.counters.jwksRequests, 1);
            // Random key ids within the cool-down: refused without a fetch.
            for (let i = 0; i < 20; i += 1) {
                const forged = await t.sandbox.callerTokens.issue({ kid: `unknown-${i}` });
                assert.equal((await call(auth, forged)).status, 401);
            }
            assert.equal(t.sandbox.counters.jwksRequests, 1, 'no refetch within the cool-down');
            await t.sandbox.callerTokens.rollOver();
            mock.timers.tick(SIGNING_KEYS_COOLDOWN_MS + 1000);
            const fresh = await t.sandbox.callerTokens.issue();
            const responses = await Promise.all(Array.from({ length: 10 }, () => call(auth, fresh)));
            assert.deepEqual(
                responses.map((r) => r.status),
                Array.from({ length: 10 }, () => 200),
            );
            assert.equal(t.sandbox.counters.jwksRequests, 2, 'exactly one refetch for the new key id');
        } finally {
            mock.timers.reset();
        }
    });

    it('keys unreachable: a 503 with Retry-After, never a 401; once read, a failed re-read keeps the known keys', async () => {
        mock.timers.enable({ apis: ['Date'], now: Date.now() });
        try {
            const auth = authorizer();
            const token = await t.sandbox.callerTokens.issue();
            t.sandbox.faults.discovery.fail(1, 503);
            const cold = await call(auth, token);
            assert.equal(cold.status, 503);
            assert.equal(cold.json.code, 'CallerAuthUnavailable');
            assert.equal((cold.headers as Record<string, string>)['Retry-After'], '10');
            assert.equal(challenge(cold), undefined, 'the caller is not blamed');
            assert.ok(t.logs.lines.some((l) => l.includes('CallerAuthUnavailable:') && l.includes(`invocationId ${cold.invocationId}`)));
            // Within the back-off the endpoint is left alone, then read again.
            t.sandbox.counters.reset();
            assert.equal((await call(auth, token)).status, 503);
            assert.equal(t.sandbox.counters.jwksRequests, 0);
            mock.timers.tick(11_000);
            assert.equal((await call(auth, token)).status, 200);
            assert.equal(t.sandbox.counters.jwksRequests, 1);
            // The scheduled re-read fails: tokens signed with known keys still pass; a new key id is a 503.
            mock.timers.tick(SIGNING_KEYS_MAX_AGE_MS + 1000);
            t.sandbox.faults.discovery.fail(100, 503);
            const again = await t.sandbox.callerTokens.issue();
            assert.equal((await call(auth, again)).status, 200);
            const unknown = await call(auth, await t.sandbox.callerTokens.issue({ kid: 'rolled-over-meanwhile' }));
            assert.equal(unknown.status, 503);
            t.sandbox.faults.discovery.clear();
        } finally {
            mock.timers.reset();
        }
    });

    it('GRAPH_TENANT_ID as a verified domain: the tenant id comes from the metadata, once, and another tenant is still refused', async () => {
        const auth = authorizer({ GRAPH_TENANT_ID: 'contoso.sandbox' });
        t.sandbox.counters.reset();
        const token = await t.sandbox.callerTokens.issue();
        const results = await Promise.all(Array.from({ length: 20 }, () => auth.authorize(`Bearer ${token}`)));
        assert.ok(results.every((r) => r?.tenantId === t.sandbox.tenantId));
        assert.equal(t.sandbox.counters.openIdConfigurationRequests, 1);
        assert.equal((await call(auth, await t.sandbox.callerTokens.issue({ tenant: 'other' }))).status, 401);
        assert.equal(t.sandbox.counters.openIdConfigurationRequests, 1, 'kept for the life of the process');

        const unreachable = authorizer({ GRAPH_TENANT_ID: 'contoso.sandbox' });
        t.sandbox.faults.discovery.fail(1, 500);
        const response = await call(unreachable, token);
        assert.equal(response.status, 503);
        assert.equal(response.json.code, 'CallerAuthUnavailable');
    });

    it('API_AUDIENCE unset: function-key mode, and the summary says so', async () => {
        const auth = createCallerAuthorizer(t.sandbox.settings, t.logs.logger('auth'));
        assert.equal(auth.mode, 'functionKey');
        const response = await call(auth);
        assert.equal(response.status, 200);
        assert.equal(summaryOf(response.invocationId).auth, 'functionKey');
        assert.ok(t.logs.lines.some((l) => l.includes('API_AUDIENCE is not set')));
    });
});
