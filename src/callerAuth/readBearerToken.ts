import { CallerUnauthorizedError } from '../errors/errorClasses.js';

/**
 * Access tokens for this API are 1-3 KB (it asks Entra ID for no group claims); anything this large is
 * not one and is refused before parsing. Below the 16 KiB of headers Node accepts, so the refusal is ours.
 */
export const MAX_TOKEN_LENGTH = 8192;
/** RFC 6750 section 2.1: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const AUTH_SCHEME = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:[ \t]+(.*))?$/s;

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 section 2.1). No header, or
 * another scheme, is "no authentication information": a 401 without an error code (section 3.1).
 * A malformed Bearer header is `invalid_request`; a token too large to be one is `invalid_token`.
 */
export function readBearerToken(authorization: string | null): string {
    const header = authorization?.trim() ?? '';
    if (header === '') {
        throw new CallerUnauthorizedError(undefined, 'This API needs an Entra ID access token: send "Authorization: Bearer <token>".');
    }
    const match = AUTH_SCHEME.exec(header);
    if (match?.[1]?.toLowerCase() !== 'bearer') {
        throw new CallerUnauthorizedError(
            undefined,
            'This API accepts only an Entra ID access token in "Authorization: Bearer <token>"; other authentication schemes are not supported.',
        );
    }
    const token = match[2]?.trim() ?? '';
    if (token === '') throw new CallerUnauthorizedError('invalid_request', 'The Authorization header has no token after "Bearer".');
    if (token.length > MAX_TOKEN_LENGTH) {
        throw new CallerUnauthorizedError(
            'invalid_token',
            `The token is longer than ${MAX_TOKEN_LENGTH} characters: it is not an access token.`,
        );
    }
    if (!B64TOKEN.test(token)) {
        throw new CallerUnauthorizedError(
            'invalid_request',
            'The Authorization header must carry exactly one bearer token, with no spaces, commas or other characters a token cannot have.',
        );
    }
    return token;
}
