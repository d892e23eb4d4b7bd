import { SignJWT, calculateJwkThumbprint, compactVerify, errors, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { randomBytes, randomUUID } from 'node:crypto';

export interface TokenGrant {
    /** Default: the v1 issuer `https://sts.windows.net/{tenant}/`. Managed identity tokens for federation carry the v2 one. */
    readonly issuer?: string;
    readonly audience: string;
    readonly appId: string;
    readonly objectId: string;
    readonly lifetimeSeconds: number;
    readonly roles?: readonly string[];
    readonly extraClaims?: Readonly<Record<string, string>>;
}

export interface IssuedToken {
    readonly token: string;
    /** Epoch seconds. */
    readonly expiresOn: number;
}

export type TokenCheck =
    | { readonly ok: true; readonly claims: JWTPayload }
    | { readonly ok: false; readonly reason: 'missing' | 'expired' | 'audience' | 'invalid' };

const VERIFIED_CACHE_LIMIT = 256;

interface SigningKey {
    privateKey: CryptoKey;
    publicKey: CryptoKey;
    publicJwk: JWK;
}
let processSigningKey: Promise<SigningKey> | undefined;

// One key per process: MSAL caches managed identity tokens process-wide (static cache), so a vault
// token issued by one sandbox must still verify in the next sandbox the same process starts.
function signingKey(): Promise<SigningKey> {
    processSigningKey ??= (async () => {
        const { privateKey, publicKey } = await generateKeyPair('RS256');
        const jwk = await exportJWK(publicKey);
        const kid = await calculateJwkThumbprint(jwk);
        return { privateKey, publicKey, publicJwk: { ...jwk, kid, use: 'sig', x5t: kid } };
    })();
    return processSigningKey;
}

/**
 * Signs v1-style Entra access tokens (RS256, `kid` header) and verifies them for the resource
 * stand-ins. Verified tokens are cached so a Graph page does not pay for an RSA verify each time.
 */
export class TokenIssuer {
    readonly issuer: string;
    readonly #tenantId: string;
    readonly #privateKey: CryptoKey;
    readonly #publicKey: CryptoKey;
    readonly #publicJwk: JWK;
    readonly #issued: string[] = [];
    readonly #verified = new Map<string, JWTPayload>();

    private constructor(tenantId: string, privateKey: CryptoKey, publicKey: CryptoKey, publicJwk: JWK) {
        this.#tenantId = tenantId;
        this.issuer = `https://sts.windows.net/${tenantId}/`;
        this.#privateKey = privateKey;
        this.#publicKey = publicKey;
        this.#publicJwk = publicJwk;
    }

    static async create(tenantId: string): Promise<TokenIssuer> {
        const key = await signingKey();
        return new TokenIssuer(tenantId, key.privateKey, key.publicKey, key.publicJwk);
    }

    get kid(): string {
        return this.#publicJwk.kid ?? '';
    }

    /** Public signing keys in Entra's JWKS shape. */
    jwks(): { keys: JWK[] } {
        return { keys: [this.#publicJwk] };
    }

    /** Every access token this issuer signed. */
    issuedTokens(): readonly string[] {
        return this.#issued;
    }

    async issue(grant: TokenGrant): Promise<IssuedToken> {
        const now = Math.floor(Date.now() / 1000);
        const expiresOn = now + grant.lifetimeSeconds;
        const token = await new SignJWT({
            aio: randomBytes(24).toString('base64url'),
            appid: grant.appId,
            appidacr: '1',
            azp: grant.appId,
            idp: this.issuer,
            idtyp: 'app',
            oid: grant.objectId,
            rh: `0.${randomBytes(12).toString('base64url')}.`,
            ...(grant.roles ? { roles: [...grant.roles] } : {}),
            tid: this.#tenantId,
            uti: randomBytes(16).toString('base64url'),
            ver: '1.0',
            ...grant.extraClaims,
        })
            .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: this.kid, x5t: this.kid })
            .setAudience(grant.audience)
            .setIssuer(grant.issuer ?? this.issuer)
            .setSubject(grant.objectId)
            .setJti(randomUUID())
            .setIssuedAt(now)
            .setNotBefore(now)
            .setExpirationTime(expiresOn)
            .sign(this.#privateKey);
        this.#issued.push(token);
        return { token, expiresOn };
    }

    /** Checks only that this issuer signed `token` (any issuer claim, any lifetime): for federated assertions. */
    async verifySignature(token: string): Promise<JWTPayload | undefined> {
        try {
            const { payload } = await compactVerify(token, this.#publicKey, { algorithms: ['RS256'] });
            return JSON.parse(new TextDecoder().decode(payload)) as JWTPayload;
        } catch {
            return undefined;
        }
    }

    /** Checks signature, issuer, audience and lifetime (no clock tolerance, so short lifetimes are exact). */
    async verify(authorization: string | undefined, audience: string): Promise<TokenCheck> {
        const token = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
        if (token === undefined) return { ok: false, reason: 'missing' };
        let claims = this.#verified.get(token);
        if (claims === undefined) {
            try {
                claims = (await jwtVerify(token, this.#publicKey, { issuer: this.issuer, algorithms: ['RS256'] })).payload;
            } catch (error) {
                return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
            }
            if (this.#verified.size >= VERIFIED_CACHE_LIMIT) this.#verified.clear();
            this.#verified.set(token, claims);
        }
        const now = Date.now() / 1000;
        if ((claims.exp ?? 0) <= now || (claims.nbf ?? 0) > now) return { ok: false, reason: 'expired' };
        if (claims.aud !== audience) return { ok: false, reason: 'audience' };
        return { ok: true, claims };
    }
}
