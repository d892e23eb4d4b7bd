import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { CallerAuthSettings } from '../config/CallerAuthSettings.js';
import { isGuid } from '../config/isGuid.js';
import { CallerForbiddenError, CallerUnauthorizedError } from '../errors/errorClasses.js';
import type { Logger } from '../logging/Logger.js';
import type { CallerAuthorizer } from './CallerAuthorizer.js';
import type { CallerIdentity } from './CallerIdentity.js';
import { readBearerToken } from './readBearerToken.js';
import { SigningKeys } from './SigningKeys.js';
import { TenantIdResolver } from './TenantIdResolver.js';
import { tokenIssuers, type TokenIssuers } from './tokenIssuers.js';

/**
 * Tolerated difference between this host's clock and Entra ID's on `exp` and `nbf`. Small: a token
 * lives 60-90 minutes, and a minute covers a drifting clock without extending a stolen token much.
 */
export const CLOCK_SKEW_SECONDS = 60;

export interface CallerTokenValidatorOptions {
    readonly settings: CallerAuthSettings;
    readonly logger?: Logger;
    /** Milliseconds since the epoch; for the key and metadata back-off only (jose reads the clock itself). */
    readonly now?: () => number;
}

/**
 * Validates Entra ID access tokens of callers, in the function itself (under `func start` too):
 * RS256 only; the signature against the tenant's published keys; issuer, `tid` and version of the
 * configured tenant only; audience from `API_AUDIENCE`; `exp`/`nbf` within CLOCK_SKEW_SECONDS; a
 * client application (`appid`/`azp`, so ID tokens are refused); then the app role. Reads only the
 * `Authorization` header, never `request.user`, which throws for app-only callers
 * (Azure/azure-functions-nodejs-library#374).
 */
export class CallerTokenValidator implements CallerAuthorizer {
    readonly mode = 'entraId';
    readonly #settings: CallerAuthSettings;
    readonly #tenant: TenantIdResolver;
    readonly #keys: SigningKeys;
    #issuers: { readonly tenantId: string; readonly issuers: TokenIssuers } | undefined;

    constructor(options: CallerTokenValidatorOptions) {
        const { settings } = options;
        this.#settings = settings;
        const shared = {
            ...(options.logger === undefined ? {} : { logger: options.logger }),
            ...(options.now === undefined ? {} : { now: options.now }),
        };
        this.#tenant = new TenantIdResolver({ authorityHost: settings.authorityHost, tenant: settings.tenant, ...shared });
        this.#keys = new SigningKeys({
            jwksUrl: new URL(`${settings.authorityHost}/${encodeURIComponent(settings.tenant)}/discovery/v2.0/keys`),
            ...shared,
        });
    }

    async authorize(authorization: string | null): Promise<CallerIdentity> {
        const token = readBearerToken(authorization);
        checkHeader(token);
        const tenantId = await this.#tenant.tenantId();
        const issuers = this.#issuersFor(tenantId);
        let payload: JWTPayload;
        try {
            ({ payload } = await jwtVerify(token, this.#keys.getKey, {
                algorithms: ['RS256'],
                audience: [...this.#settings.audiences],
                issuer: [...issuers.v1, ...issuers.v2],
                clockTolerance: CLOCK_SKEW_SECONDS,
                requiredClaims: ['exp', 'tid', 'ver'],
            }));
        } catch (error) {
            throw toUnauthorized(error);
        }
        const caller = callerOf(payload, tenantId, issuers);
        const roles = payload.roles;
        const role = this.#settings.requiredRole;
        if (!Array.isArray(roles) || !roles.includes(role)) {
            throw new CallerForbiddenError(
                caller,
                `The token carries no "${role}" app role. An administrator assigns it to the calling application or user on the API's app registration; then get a new token.`,
            );
        }
        return { ...caller, role };
    }

    #issuersFor(tenantId: string): TokenIssuers {
        if (this.#issuers?.tenantId !== tenantId)
            this.#issuers = { tenantId, issuers: tokenIssuers(this.#settings.authorityHost, tenantId) };
        return this.#issuers.issuers;
    }
}

const invalidToken = (message: string): CallerUnauthorizedError => new CallerUnauthorizedError('invalid_token', message);

/** Refuses what needs no key lookup, so a forged header never makes the keys be fetched. */
function checkHeader(token: string): void {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
        header = decodeProtectedHeader(token);
    } catch {
        throw invalidToken('The bearer token is not a JSON Web Token.');
    }
    if (header.alg !== 'RS256') throw invalidToken('The token is not signed with RS256, the only algorithm accepted.');
    if (typeof header.kid !== 'string' || header.kid === '' || header.kid.length > 128) {
        throw invalidToken('The token names no signing key ("kid").');
    }
}

/** jose's verdicts, in words for the caller; anything else (a bug) stays an error of its own. */
function toUnauthorized(error: unknown): unknown {
    if (error instanceof errors.JWTExpired) return invalidToken('The token has expired.');
    if (error instanceof errors.JWTClaimValidationFailed) {
        if (error.claim === 'nbf') return invalidToken('The token is not valid yet.');
        if (error.claim === 'aud') return invalidToken('The token is for another audience than this API.');
        if (error.claim === 'iss') return invalidToken("The token was not issued by this tenant's Entra ID.");
        if (error.reason === 'missing') return invalidToken(`The token has no "${error.claim}" claim.`);
        return invalidToken(`The token's "${error.claim}" claim is not valid.`);
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) return invalidToken('The token signature is not valid.');
    if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
        return invalidToken('The token is signed with a key this tenant does not publish.');
    }
    if (error instanceof errors.JOSEAlgNotAllowed) return invalidToken('The token is not signed with RS256, the only algorithm accepted.');
    if (error instanceof errors.JOSEError) return invalidToken('The token is malformed.');
    return error;
}

/** Checks what jose does not know about Entra ID tokens, and reads who the caller is. */
function callerOf(payload: JWTPayload, tenantId: string, issuers: TokenIssuers): CallerIdentity {
    const tid = typeof payload.tid === 'string' ? payload.tid.toLowerCase() : undefined;
    if (tid !== tenantId) throw invalidToken('The token is from another tenant.');
    const version = payload.ver;
    const issuer = payload.iss ?? '';
    if (!(version === '1.0' && issuers.v1.includes(issuer)) && !(version === '2.0' && issuers.v2.includes(issuer))) {
        throw invalidToken('The token version does not match its issuer.');
    }
    const appId = version === '1.0' ? payload.appid : payload.azp;
    if (typeof appId !== 'string' || !isGuid(appId)) {
        throw invalidToken(`The token names no client application ("${version === '1.0' ? 'appid' : 'azp'}"): it is not an access token.`);
    }
    return {
        objectId: typeof payload.oid === 'string' ? payload.oid : undefined,
        appId,
        tenantId,
        kind: callerKind(payload),
        role: undefined,
        tokenVersion: version,
    };
}

/** `idtyp` is an optional claim; without it, only user (delegated) tokens carry `scp`. */
function callerKind(payload: JWTPayload): CallerIdentity['kind'] {
    if (payload.idtyp === 'app') return 'application';
    if (payload.idtyp === 'user') return 'user';
    return typeof payload.scp === 'string' ? 'user' : 'application';
}
