import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { randomBytes } from 'node:crypto';

/** What a caller token should look like; every field has a default that makes a valid, authorized token. */
export interface CallerTokenRequest {
    /** 1: `https://sts.windows.net/{tid}/`, `appid`, audience the App ID URI. 2 (default): `{authority}/{tid}/v2.0`, `azp`, audience the client id. */
    readonly version?: 1 | 2;
    /** `application` (default: client credentials, `idtyp: app`) or `user` (delegated: `scp`, `upn`). */
    readonly kind?: 'application' | 'user';
    /** The `roles` claim; default [the API's role]. An empty list leaves the claim out. */
    readonly roles?: readonly string[];
    /** `home` (default) or `other`: a token another tenant issued (its `iss` and `tid`), signed with the same published keys, as Entra ID's are. */
    readonly tenant?: 'home' | 'other';
    /** Default: the API's client id (v2) or App ID URI (v1). */
    readonly audience?: string;
    /** The calling application; default the authorized caller app. */
    readonly appId?: string;
    /** `exp` relative to now, in seconds; negative means already expired. Default 3600. */
    readonly expiresInSeconds?: number;
    /** `nbf` and `iat` relative to now, in seconds; positive means not valid yet. Default 0. */
    readonly notBeforeInSeconds?: number;
    /** `current` (default): the newest published key. `unknown`: a key the JWKS never lists. */
    readonly signingKey?: 'current' | 'unknown';
    /** A `kid` header other than the signing key's own (a swapped key id). */
    readonly kid?: string;
    /** Claims added or replaced last (`undefined` removes one). */
    readonly claims?: Readonly<Record<string, unknown>>;
    /** Epoch seconds to compute times from; default the clock. */
    readonly now?: number;
}

export interface CallerTokensOptions {
    readonly tenantId: string;
    /** `https://127.0.0.1:PORT` of the Entra stand-in, read when a token is issued (its v2 issuer). */
    readonly authority: () => string;
}

interface SigningKey {
    readonly privateKey: CryptoKey;
    readonly publicJwk: JWK;
}

/** The API app registration of the sandbox: whose audience and app role callers need. */
export const SANDBOX_API_CLIENT_ID = '8c4e2a1b-3d5f-4a6b-9c7d-0e1f2a3b4c5d';
export const SANDBOX_API_ROLE = 'Users.Read.All';
/** An application that holds the role, one that does not, a user that holds it, and a tenant that is not ours. */
export const SANDBOX_CALLER_APP_ID = '4f3e2d1c-0b9a-4876-8543-210fedcba987';
export const SANDBOX_UNAUTHORIZED_APP_ID = '6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d';
export const SANDBOX_CALLER_USER_ID = '1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5a';
export const SANDBOX_OTHER_TENANT_ID = '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e';

async function newSigningKey(): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    // Entra ID's JWKS shape: kty, use, kid, x5t, n, e (no alg).
    return { privateKey, publicJwk: { kty: jwk.kty, use: 'sig', kid, x5t: kid, n: jwk.n, e: jwk.e } };
}

/**
 * Access tokens for callers of the function's API, as Entra ID issues them for an app registration
 * that exposes an app role: v1 and v2, application and user, with and without the role, from
 * another tenant, expired, or signed with a key the tenant never published. Keys are made on first
 * use (RSA key generation is slow) and can be rolled over: the new key is published next to the old.
 */
export class CallerTokens {
    readonly apiClientId = SANDBOX_API_CLIENT_ID;
    readonly appIdUri = `api://${SANDBOX_API_CLIENT_ID}`;
    readonly requiredRole = SANDBOX_API_ROLE;
    readonly #options: CallerTokensOptions;
    readonly #issued: string[] = [];
    #keys: Promise<{ published: SigningKey[]; unknown: SigningKey }> | undefined;

    constructor(options: CallerTokensOptions) {
        this.#options = options;
    }

    /** `API_AUDIENCE` and `API_REQUIRED_ROLE` for this API. */
    get settings(): Readonly<Record<'API_AUDIENCE' | 'API_REQUIRED_ROLE', string>> {
        return { API_AUDIENCE: `${this.apiClientId},${this.appIdUri}`, API_REQUIRED_ROLE: this.requiredRole };
    }

    /** The published public keys, oldest first. */
    async jwks(): Promise<JWK[]> {
        return (await this.#signingKeys()).published.map((k) => k.publicJwk);
    }

    /** Key id of the key new tokens are signed with. */
    async currentKid(): Promise<string> {
        const { published } = await this.#signingKeys();
        return published.at(-1)?.publicJwk.kid ?? '';
    }

    /** Publishes a new key and signs new tokens with it; the old key stays published. Returns the new key id. */
    async rollOver(): Promise<string> {
        const keys = await this.#signingKeys();
        const next = await newSigningKey();
        keys.published.push(next);
        return next.publicJwk.kid ?? '';
    }

    /** The claims a token of this request carries. */
    claims(request: CallerTokenRequest = {}): JWTPayload {
        const now = request.now ?? Math.floor(Date.now() / 1000);
        const version = request.version ?? 2;
        const tenantId = request.tenant === 'other' ? SANDBOX_OTHER_TENANT_ID : this.#options.tenantId;
        const appId = request.appId ?? SANDBOX_CALLER_APP_ID;
        const user = request.kind === 'user';
        const roles = request.roles ?? [this.requiredRole];
        const issuedAt = now + (request.notBeforeInSeconds ?? 0);
        const objectId = user ? SANDBOX_CALLER_USER_ID : servicePrincipalIdOf(appId);
        const claims: Record<string, unknown> = {
            aud: request.audience ?? (version === 1 ? this.appIdUri : this.apiClientId),
            iss: version === 1 ? `https://sts.windows.net/${tenantId}/` : `${this.#options.authority()}/${tenantId}/v2.0`,
            iat: issuedAt,
            nbf: issuedAt,
            exp: now + (request.expiresInSeconds ?? 3600),
            aio: randomBytes(24).toString('base64url'),
            ...(version === 1 ? { appid: appId, appidacr: '1' } : { azp: appId, azpacr: '1' }),
            idtyp: user ? 'user' : 'app',
            oid: objectId,
            rh: `0.${randomBytes(12).toString('base64url')}.`,
            ...(roles.length > 0 ? { roles: [...roles] } : {}),
            sub: objectId,
            tid: tenantId,
            uti: randomBytes(16).toString('base64url'),
            ver: version === 1 ? '1.0' : '2.0',
            ...(user
                ? {
                      scp: 'user_impersonation',
                      name: 'Sandbox Caller',
                      ...(version === 1
                          ? { upn: 'caller@contoso.sandbox', unique_name: 'caller@contoso.sandbox' }
                          : { preferred_username: 'caller@contoso.sandbox' }),
                  }
                : {}),
        };
        const overrides = Object.entries(request.claims ?? {});
        const removed = new Set(overrides.filter(([, value]) => value === undefined).map(([name]) => name));
        return Object.fromEntries(
            [...Object.entries(claims), ...overrides].filter(([name, value]) => !removed.has(name) && value !== undefined),
        );
    }

    /** A signed token for this request (kept in issuedTokens). */
    async issue(request: CallerTokenRequest = {}): Promise<string> {
        const token = await this.sign(this.claims(request), request);
        this.#issued.push(token);
        return token;
    }

    /** Every token issue() made. */
    issuedTokens(): readonly string[] {
        return this.#issued;
    }

    /** Signs any claims (RS256) with the current or an unknown key, optionally under another `kid`; not kept (fuzzing signs thousands). */
    async sign(claims: JWTPayload, options: Pick<CallerTokenRequest, 'signingKey' | 'kid'> = {}): Promise<string> {
        const keys = await this.#signingKeys();
        const key = options.signingKey === 'unknown' ? keys.unknown : keys.published.at(-1);
        if (key === undefined) throw new Error('No signing key.');
        const kid = options.kid ?? key.publicJwk.kid ?? '';
        return new SignJWT(claims).setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid }).sign(key.privateKey);
    }

    #signingKeys(): Promise<{ published: SigningKey[]; unknown: SigningKey }> {
        this.#keys ??= Promise.all([newSigningKey(), newSigningKey()]).then(([current, unknown]) => ({ published: [current], unknown }));
        return this.#keys;
    }
}

/** A stable, distinct service principal object id per caller app (the `oid` of its app-only tokens). */
function servicePrincipalIdOf(appId: string): string {
    return `${appId.slice(0, 24)}${appId.slice(24).split('').reverse().join('')}`;
}
