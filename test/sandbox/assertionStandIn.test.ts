/**
 * The Entra stand-in's client assertions, posted by hand: private_key_jwt as the certificate-credentials
 * documentation describes it, and federated assertions from the identity endpoint, with Entra's codes.
 */
import assert from 'node:assert/strict';
import { randomUUID, createPrivateKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT, decodeJwt } from 'jose';
import { createSandboxCertificate, keyMaterialFingerprints } from '../../sandbox/index.js';
import { startGuardedSandbox } from '../support/startGuardedSandbox.js';
import type { Sandbox, SandboxCertificate } from '../../sandbox/index.js';
import { hygiene } from '../support/hygieneGuard.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('Entra ID stand-in: client assertions', () => {
    let sandbox: Sandbox;
    let tokenUrl: string;
    let stranger: SandboxCertificate;
    before(async () => {
        [sandbox, stranger] = await Promise.all([
            startGuardedSandbox({ userCount: 1 }),
            createSandboxCertificate({ subject: 'CN=stranger' }),
        ]);
        hygiene.registerForbidden(() => keyMaterialFingerprints(stranger));
        tokenUrl = `${sandbox.settings.AUTHORITY_HOST}/${sandbox.tenantId}/oauth2/v2.0/token`;
    });
    after(() => sandbox.close());

    const post = async (assertion: string): Promise<{ status: number; code: number | undefined; description: string }> => {
        const response = await fetch(tokenUrl, {
            method: 'POST',
            body: new URLSearchParams({
                grant_type: 'client_credentials',
                client_id: sandbox.clientId,
                client_assertion_type: JWT_BEARER,
                client_assertion: assertion,
                scope: `${sandbox.settings.GRAPH_ENDPOINT}/.default`,
            }),
        });
        const body = (await response.json()) as { error_codes?: number[]; error_description?: string };
        return { status: response.status, code: body.error_codes?.[0], description: body.error_description ?? '' };
    };

    interface Options {
        readonly signer?: SandboxCertificate;
        readonly thumbprintOf?: SandboxCertificate;
        readonly alg?: 'PS256' | 'RS256';
        readonly header?: 'x5t#S256' | 'x5t' | 'none';
        readonly claims?: { readonly sub?: string; readonly aud?: string };
        readonly jti?: string | null;
        readonly exp?: number;
    }
    const certificateAssertion = async (o: Options = {}): Promise<string> => {
        const signer = o.signer ?? sandbox.clientCertificate;
        const named = o.thumbprintOf ?? signer;
        const alg = o.alg ?? 'PS256';
        const header = o.header ?? (alg === 'PS256' ? 'x5t#S256' : 'x5t');
        const now = Math.floor(Date.now() / 1000);
        const jwt = new SignJWT({ ...(o.jti === null ? {} : { jti: o.jti ?? randomUUID() }), ...o.claims })
            .setProtectedHeader({
                alg,
                typ: 'JWT',
                ...(header === 'none' ? {} : { [header]: header === 'x5t' ? named.x5t : named.x5tS256 }),
            })
            .setIssuer(sandbox.clientId)
            .setSubject(o.claims?.sub ?? sandbox.clientId)
            .setAudience(o.claims?.aud ?? tokenUrl)
            .setNotBefore(now)
            .setExpirationTime(o.exp ?? now + 600);
        return jwt.sign(createPrivateKey(signer.keyPem));
    };

    it('a renewed certificate whose registration has not propagated: 700027 (counted) until completePropagation, the old one accepted', async () => {
        const old = sandbox.clientCertificate;
        await sandbox.rotateCertificate({ unpropagated: true });
        sandbox.counters.reset();
        const refused = await post(await certificateAssertion());
        assert.deepEqual([refused.status, refused.code], [401, 700027]);
        assert.match(refused.description, /The key was not found/);
        assert.equal(sandbox.counters.unpropagatedCredentialRejections, 1);
        assert.equal((await post(await certificateAssertion({ signer: old }))).status, 200);
        assert.equal(sandbox.counters.olderCredentialAccepted, 1);
        sandbox.completePropagation({ revokeOld: true });
        assert.equal((await post(await certificateAssertion())).status, 200);
        assert.equal(sandbox.counters.newestCredentialAccepted, 1);
        assert.equal((await post(await certificateAssertion({ signer: old }))).code, 700027);
    });

    it('accepts PS256 with x5t#S256 and RS256 with x5t, and an assertion reused before its exp', async () => {
        assert.equal((await post(await certificateAssertion())).status, 200);
        assert.equal((await post(await certificateAssertion({ alg: 'RS256' }))).status, 200);
        const reused = await certificateAssertion();
        sandbox.counters.reset();
        assert.equal((await post(reused)).status, 200);
        assert.equal((await post(reused)).status, 200);
        assert.equal(sandbox.counters.assertionReuses, 1);
    });

    for (const [name, options, status, code, text] of [
        [
            'a certificate not registered on the app',
            { signer: undefined, thumbprintOf: undefined, stranger: true },
            401,
            700027,
            /The key was not found\., Thumbprint of key used by client: '[0-9A-F]{40,64}'/,
        ],
        [
            'a registered thumbprint signed with another key',
            { stranger: true, wrongKey: true },
            401,
            7000274,
            /Key was found, but use of the key to verify the signature failed/,
        ],
        ['no thumbprint header', { header: 'none' }, 400, 50027, /No certificate thumbprint specified in token header/],
        [
            'another audience',
            { claims: { aud: 'https://login.microsoftonline.com/other/oauth2/v2.0/token' } },
            401,
            700023,
            /audience claim does not match Realm issuer/,
        ],
        [
            'a subject other than the client id',
            { claims: { sub: 'someone-else' } },
            401,
            700021,
            /application identifier doesn't match 'client_id'/,
        ],
        ['an expired assertion', { exp: Math.floor(Date.now() / 1000) - 3600 }, 401, 700024, /not within its valid time range/],
        ['no jti', { jti: null }, 400, 50027, /jti/],
    ] as const) {
        it(`rejects ${name} with AADSTS${code}`, async () => {
            const o = options as Options & { stranger?: boolean; wrongKey?: boolean };
            const assertion = await certificateAssertion(
                o.stranger === true
                    ? o.wrongKey === true
                        ? { ...o, signer: stranger, thumbprintOf: sandbox.clientCertificate }
                        : { ...o, signer: stranger }
                    : o,
            );
            const answer = await post(assertion);
            assert.equal(answer.status, status, answer.description);
            assert.equal(answer.code, code, answer.description);
            assert.match(answer.description, text);
        });
    }

    const identityToken = async (clientId?: string): Promise<string> => {
        const url = new URL(sandbox.settings.IDENTITY_ENDPOINT ?? '');
        url.searchParams.set('api-version', '2019-08-01');
        url.searchParams.set('resource', 'api://AzureADTokenExchange');
        if (clientId !== undefined) url.searchParams.set('client_id', clientId);
        const response = await fetch(url, { headers: { 'X-IDENTITY-HEADER': sandbox.settings.IDENTITY_HEADER ?? '' } });
        assert.equal(response.status, 200);
        return String(((await response.json()) as { access_token: unknown }).access_token);
    };

    it('the identity endpoint issues federation tokens: v2 issuer of the tenant, the identity as subject', async () => {
        const uami = sandbox.userAssignedIdentity;
        const claims = decodeJwt(await identityToken(uami.clientId));
        assert.equal(claims.iss, `${sandbox.settings.AUTHORITY_HOST}/${sandbox.tenantId}/v2.0`);
        assert.equal(claims.sub, uami.principalId);
        assert.equal(claims.aud, 'api://AzureADTokenExchange');
        assert.match(String(claims.xms_mirid), /userAssignedIdentities/);
        const system = decodeJwt(await identityToken());
        assert.notEqual(system.sub, uami.principalId);
        assert.match(String(system.xms_mirid), /Microsoft\.Web\/sites/);
    });

    it('accepts the user-assigned identity’s token; a system-assigned one gets AADSTS700213; a propagating credential AADSTS70021', async () => {
        const token = await identityToken(sandbox.userAssignedIdentity.clientId);
        assert.equal((await post(token)).status, 200);
        const system = await post(await identityToken());
        assert.deepEqual([system.status, system.code], [401, 700213]);
        assert.match(system.description, /presented assertion subject/);
        sandbox.faults.federation.delayPropagation(1);
        const pending = await post(token);
        assert.deepEqual([pending.status, pending.code], [400, 70021]);
        assert.match(
            pending.description,
            /Assertion Issuer: '.*'\. Assertion Subject: '.*'\. Assertion Audience: 'api:\/\/AzureADTokenExchange'/,
        );
        assert.equal((await post(token)).status, 200);
    });
});
