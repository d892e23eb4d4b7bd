import { compactVerify, decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import type { SandboxState } from './SandboxState.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Entra's answer to a bad assertion: status, OAuth error, AADSTS number and description. */
export interface AssertionRejection {
    readonly status: number;
    readonly error: string;
    readonly code: number;
    readonly description: string;
}

const CERT_DOCS =
    'Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .';
const WIF_DOCS = 'https://learn.microsoft.com/entra/workload-id/workload-identity-federation';

/**
 * Validates a `client_assertion` as Entra ID does. `iss` = client id: a certificate assertion (private_key_jwt,
 * Learn "certificate credentials": x5t#S256 or x5t header, PS256 or RS256, aud = token endpoint, iss = sub =
 * client id, exp/nbf, jti). Otherwise a federated assertion, matched against the app's federated credentials.
 */
export async function verifyClientAssertion(
    state: SandboxState,
    assertion: string,
    clientId: string,
    tokenEndpoint: string,
): Promise<AssertionRejection | undefined> {
    let header: Record<string, unknown>;
    let claims: JWTPayload;
    try {
        header = decodeProtectedHeader(assertion);
        claims = decodeJwt(assertion);
    } catch {
        return { status: 400, error: 'invalid_request', code: 50027, description: 'JWT token is invalid or malformed.' };
    }
    state.sensitive.push(assertion);
    if (typeof claims.exp === 'number' && Date.now() / 1000 >= claims.exp) state.counters.expiredAssertions++;
    const outsideTime = timeRange(claims);
    return claims.iss === clientId
        ? verifyCertificateAssertion(state, assertion, header, claims, clientId, tokenEndpoint, outsideTime)
        : verifyFederatedAssertion(state, assertion, claims, outsideTime);
}

async function verifyCertificateAssertion(
    state: SandboxState,
    assertion: string,
    header: Record<string, unknown>,
    claims: JWTPayload,
    clientId: string,
    tokenEndpoint: string,
    outsideTime: AssertionRejection | undefined,
): Promise<AssertionRejection | undefined> {
    const invalidClient = (code: number, description: string): AssertionRejection => ({
        status: 401,
        error: 'invalid_client',
        code,
        description,
    });
    if (header.alg !== 'PS256' && header.alg !== 'RS256') {
        return {
            status: 400,
            error: 'invalid_request',
            code: 5002738,
            description: `Invalid JWT token. '${String(header.alg)}' is not a supported signature algorithm.`,
        };
    }
    if (typeof header['x5t#S256'] !== 'string' && typeof header.x5t !== 'string') {
        return {
            status: 400,
            error: 'invalid_request',
            code: 50027,
            description: 'Invalid JWT token. No certificate thumbprint specified in token header.',
        };
    }
    const sent = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : String(header.x5t);
    const thumbprint = Buffer.from(sent, 'base64url').toString('hex').toUpperCase();
    const keysOf = `Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${clientId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/${clientId}'`;
    const registered = state.appCertificates.find(header);
    if (registered?.unpropagated === true) state.counters.unpropagatedCredentialRejections++;
    if (registered === undefined || registered.unpropagated) {
        return invalidClient(
            700027,
            `Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}', ${keysOf}]`,
        );
    }
    const { notBefore, notAfter } = registered.certificate;
    const found = `Found key 'Start=${usDate(notBefore)}, End=${usDate(notAfter)}'`;
    if (Date.now() > notAfter.getTime()) {
        return invalidClient(
            700027,
            `Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '${thumbprint}', ${found}, ${keysOf}]`,
        );
    }
    try {
        await compactVerify(assertion, registered.publicKey, { algorithms: [header.alg] });
    } catch {
        return invalidClient(
            7000274,
            `Client assertion contains an invalid signature. [Reason - Key was found, but use of the key to verify the signature failed., Thumbprint of key used by client: '${thumbprint}', ${found}, ${keysOf}]`,
        );
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const realm = tokenEndpoint.replace(/\/oauth2\/v2\.0\/token$/, '/v2.0');
    if (!audiences.some((a) => a === tokenEndpoint || a === realm)) {
        return invalidClient(700023, `Client assertion audience claim does not match Realm issuer. ${CERT_DOCS}`);
    }
    if (claims.sub !== clientId) {
        return invalidClient(700021, `Client assertion application identifier doesn't match 'client_id' parameter. ${CERT_DOCS}`);
    }
    if (outsideTime !== undefined) return outsideTime;
    if (typeof claims.jti !== 'string' || claims.jti === '') {
        return {
            status: 400,
            error: 'invalid_request',
            code: 50027,
            description: 'JWT token is invalid or malformed. The jti claim is missing.',
        };
    }
    // The documentation lets an assertion "be used until" exp (MSAL Node reuses one for 10 minutes): count, accept.
    if (state.assertionIds.has(claims.jti)) state.counters.assertionReuses++;
    state.assertionIds.set(claims.jti, claims.exp ?? 0);
    if (state.appCertificates.isNewest(registered)) state.counters.newestCredentialAccepted++;
    else state.counters.olderCredentialAccepted++;
    return undefined;
}

async function verifyFederatedAssertion(
    state: SandboxState,
    assertion: string,
    claims: JWTPayload,
    outsideTime: AssertionRejection | undefined,
): Promise<AssertionRejection | undefined> {
    const issuer = claims.iss ?? '';
    const subject = claims.sub ?? '';
    const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud ?? ''];
    const noRecord = (code: number, what: string): AssertionRejection => ({
        status: code === 70021 ? 400 : 401,
        error: code === 70021 ? 'invalid_request' : 'invalid_client',
        code,
        description:
            code === 70021
                ? `No matching federated identity record found for presented assertion. Assertion Issuer: '${issuer}'. Assertion Subject: '${subject}'. Assertion Audience: '${audience.join(',')}'. ${WIF_DOCS}`
                : `No matching federated identity record found for presented assertion ${what}. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${WIF_DOCS}`,
    });
    if (state.faults.federation.propagation.take() !== undefined) return noRecord(70021, '');
    // The sandbox's identity endpoint is the only issuer it trusts, as Entra trusts its own tokens.
    if ((await state.issuer.verifySignature(assertion)) === undefined) {
        return {
            status: 401,
            error: 'invalid_client',
            code: 50013,
            description: 'Assertion failed signature validation. [Reason - The key was not found.]',
        };
    }
    if (outsideTime !== undefined) return outsideTime;
    const match = state.federatedCredentials.match(issuer, subject, audience);
    if (match.ok) return undefined;
    const what = { 70021: '', 700211: `issuer '${issuer}'`, 700212: `audience '${audience.join(',')}'`, 700213: `subject '${subject}'` }[
        match.code
    ];
    return noRecord(match.code, what);
}

/** Entra tolerates 5 minutes of clock skew (MSAL itself rounds `nbf` to the nearest second). */
const CLOCK_SKEW_SECONDS = 300;

function timeRange(claims: JWTPayload): AssertionRejection | undefined {
    const now = Date.now() / 1000;
    const started = typeof claims.nbf !== 'number' || claims.nbf <= now + CLOCK_SKEW_SECONDS;
    if (typeof claims.exp === 'number' && now < claims.exp + CLOCK_SKEW_SECONDS && started) return undefined;
    const iso = (seconds: unknown): string => (typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : 'not set');
    return {
        status: 401,
        error: 'invalid_client',
        code: 700024,
        description: `Client assertion is not within its valid time range. Current time: ${new Date().toISOString()}, assertion valid from ${iso(claims.nbf)}, expiry time of assertion ${iso(claims.exp)}. ${CERT_DOCS}`,
    };
}

/** Entra writes key validity as MM/dd/yyyy HH:mm:ss. */
function usDate(date: Date): string {
    const p = (n: number): string => String(n).padStart(2, '0');
    return `${p(date.getUTCMonth() + 1)}/${p(date.getUTCDate())}/${date.getUTCFullYear()} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())}`;
}
