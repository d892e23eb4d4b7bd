import { ConfigurationError, TokenError } from '../errors/errorClasses.js';
import { msalAuthority } from './msalAuthority.js';
import type { AppErrorCode } from '../errors/AppError.js';
import type { CredentialFacts } from '../credentials/GraphCredential.js';
import type { GraphCredentialKind } from '../config/CoreSettings.js';

export interface TokenContext {
    readonly tenantId: string;
    readonly clientId: string;
    readonly authorityHost: string;
    /** The credential Entra ID judged, when there was one: its errors name it, and its kind picks the fix. */
    readonly credential?: CredentialFacts;
    /** Token requests made for a federated credential that had not propagated yet (1: no retry). */
    readonly propagationAttempts?: number;
}

interface MsalLikeError {
    readonly name?: unknown;
    readonly errorCode?: unknown;
    readonly errorNo?: unknown;
    readonly errorMessage?: unknown;
    readonly message?: unknown;
    readonly status?: unknown;
    readonly correlationId?: unknown;
}

/** Entra's AADSTS number, from MSAL's `errorNo` or, failing that, the message text. */
export function aadstsCodeOf(error: unknown): number | undefined {
    const e = (error ?? {}) as MsalLikeError;
    const fromField = typeof e.errorNo === 'string' || typeof e.errorNo === 'number' ? Number(e.errorNo) : NaN;
    if (Number.isInteger(fromField) && fromField > 0) return fromField;
    const text = [e.errorMessage, e.message].filter((m): m is string => typeof m === 'string').join(' ');
    const match = /AADSTS(\d+)/.exec(text);
    return match?.[1] === undefined ? undefined : Number(match[1]);
}

const TRANSIENT_ERROR_CODES = new Set(['temporarily_unavailable', 'service_unavailable', 'network_error', 'endpoints_resolution_error']);
/**
 * MSAL wraps every failure to resolve the authority into endpoints_resolution_error and drops the cause
 * (msal-common AuthorityFactory.createDiscoveredInstance): an unreachable network and an untrusted host look the
 * same. For a host MSAL has built-in metadata for (or a trusted loopback emulator) only the network can fail;
 * for any other host, instance discovery refused it (untrusted_authority) or could not ask: AUTHORITY_HOST is wrong.
 */
const AUTHORITY_RESOLUTION_CODES = new Set(['endpoints_resolution_error', 'untrusted_authority']);

/** AUTHORITY_HOST is not an authority MSAL trusts: it failed instance discovery, and no credential was sent to it. */
function isUntrustedAuthorityError(error: unknown, authorityHost: string): boolean {
    const code = (error as MsalLikeError | undefined)?.errorCode;
    return (
        typeof code === 'string' &&
        AUTHORITY_RESOLUTION_CODES.has(code) &&
        msalAuthority(authorityHost, 'x').validation === 'instanceDiscovery'
    );
}
/** AADSTS90033: transient error. AADSTS90055: tenant throttling. */
const AADSTS_TRANSIENT = 90033;
const AADSTS_THROTTLED = 90055;

/** Entra ID is throttling this client (429 / AADSTS90055): wait, do not retry at once. */
export function isThrottledTokenError(error: unknown): boolean {
    return (error as MsalLikeError | undefined)?.status === 429 || aadstsCodeOf(error) === AADSTS_THROTTLED;
}

/** Entra ID outages (5xx, AADSTS90033), timeouts and network failures: worth a prompt retry. */
export function isTransientTokenError(error: unknown, authorityHost: string): boolean {
    if (isThrottledTokenError(error) || isUntrustedAuthorityError(error, authorityHost)) return false;
    const e = (error ?? {}) as MsalLikeError;
    if (typeof e.status === 'number' && e.status >= 500) return true;
    if (typeof e.errorCode === 'string' && TRANSIENT_ERROR_CODES.has(e.errorCode)) return true;
    return aadstsCodeOf(error) === AADSTS_TRANSIENT || e.name === 'TimeoutError';
}

type Text = string | ((context: TokenContext) => string);

/** What the app presented as a federated credential, and what the app registration must list to match it. */
function federationValues(c: TokenContext): string {
    const f = c.credential?.federation;
    const identity = c.credential?.identityClientId ?? 'AZURE_CLIENT_ID';
    if (f === undefined) return `the token of managed identity ${identity}`;
    return `issuer "${f.issuer}", subject "${f.subject}" (the principal id of managed identity ${identity}), audience "${f.audience}"`;
}
const FEDERATION_FIX = (c: TokenContext): string =>
    `Add a federated credential to app registration ${c.clientId} with exactly ${federationValues(c)} (\`az ad app federated-credential create\`, or re-run \`bash scripts/postprovision/graph-app.sh ensure\`); the issuer must be "{AUTHORITY_HOST}/{tenant id}/v2.0" and the identity must be user-assigned.`;
const thumbprint = (c: TokenContext): string =>
    c.credential?.thumbprintSha1 === undefined ? '' : ` (SHA-1 thumbprint ${c.credential.thumbprintSha1})`;
const CERTIFICATE_FIX = (c: TokenContext): string =>
    `Register the Key Vault certificate GRAPH_CLIENT_CERTIFICATE_NAME${thumbprint(c)} on app registration ${c.clientId} (Certificates & secrets), or renew and register it: \`bash scripts/postprovision/graph-app.sh rotate-certificate\`.`;

const retried = (c: TokenContext): string =>
    (c.propagationAttempts ?? 1) > 1
        ? `The app asked ${c.propagationAttempts} times, with backoff, in case a credential created in the last minutes was still propagating.`
        : 'A federated credential created or changed in the last minutes may still be propagating (the app waits for that only until its first token): try again in a few minutes.';

interface Hint {
    readonly code: AppErrorCode;
    readonly message: Text;
    readonly hint: Text;
    /** The GRAPH_CREDENTIAL modes this reading applies to (the first match wins); unset: every mode. */
    readonly modes?: readonly GraphCredentialKind[];
}

const SECRET: readonly GraphCredentialKind[] = ['keyVaultSecret'];
const CERTIFICATE: readonly GraphCredentialKind[] = ['keyVaultCertificate'];
const FEDERATION: readonly GraphCredentialKind[] = ['managedIdentity'];

/**
 * By AADSTS code; a code whose cause and fix depend on the credential has one reading per mode. A code read in
 * a mode none of its readings is for falls back to Entra ID's own text (TokenRequestFailed).
 */
const hints: Readonly<Record<number, Hint | readonly Hint[]>> = {
    700016: {
        code: 'TokenAppNotFound',
        message: 'Entra ID has no application with GRAPH_CLIENT_ID in tenant GRAPH_TENANT_ID (AADSTS700016).',
        hint: 'Check GRAPH_CLIENT_ID and GRAPH_TENANT_ID; the app must be registered in (or consented to by) that tenant.',
    },
    7000215: {
        modes: SECRET,
        code: 'TokenInvalidClientSecret',
        message: 'Entra ID rejected the client secret from Key Vault (AADSTS7000215: invalid client secret).',
        hint: 'Write the secret VALUE (not its id) to Key Vault: run `scripts/postprovision/graph-app.sh rotate-secret`.',
    },
    7000222: {
        modes: SECRET,
        code: 'TokenClientSecretExpired',
        message: 'The client secret in Key Vault has expired (AADSTS7000222).',
        hint: 'Create a new secret and write it to Key Vault: `scripts/postprovision/graph-app.sh rotate-secret`.',
    },
    90002: {
        code: 'TokenTenantNotFound',
        message: 'Tenant GRAPH_TENANT_ID was not found (AADSTS90002).',
        hint: 'Check GRAPH_TENANT_ID and that AUTHORITY_HOST is the right cloud for it.',
    },
    900023: {
        code: 'TokenTenantNotFound',
        message: 'GRAPH_TENANT_ID is not a valid tenant id or domain (AADSTS900023).',
        hint: 'Use the directory (tenant) id GUID from the app registration overview.',
    },
    1002012: {
        code: 'TokenInvalidScope',
        message: 'Entra ID rejected the Graph scope (AADSTS1002012).',
        hint: 'GRAPH_ENDPOINT must be the Graph base URL of the same cloud as AUTHORITY_HOST.',
    },
    70011: {
        code: 'TokenInvalidScope',
        message: 'Entra ID rejected the Graph scope (AADSTS70011).',
        hint: 'GRAPH_ENDPOINT must be the Graph base URL of the same cloud as AUTHORITY_HOST.',
    },
    7000112: {
        code: 'TokenAppNotFound',
        message: 'The application is disabled in the tenant (AADSTS7000112).',
        hint: 'Enable the service principal ("Enabled for users to sign in") in Enterprise applications.',
    },
    700027: {
        modes: CERTIFICATE,
        code: 'TokenCertificateRejected',
        message: (c) =>
            `Entra ID does not accept the certificate${thumbprint(c)}: it is not registered on the app, or has expired (AADSTS700027), and Key Vault holds no newer one.`,
        hint: CERTIFICATE_FIX,
    },
    7000274: {
        modes: CERTIFICATE,
        code: 'TokenCertificateRejected',
        message: (c) =>
            `Entra ID found the certificate${thumbprint(c)} but its key did not verify the assertion's signature (AADSTS7000274): the private key in Key Vault does not belong to the registered certificate.`,
        hint: CERTIFICATE_FIX,
    },
    700024: [
        {
            modes: CERTIFICATE,
            code: 'TokenCertificateRejected',
            message:
                'Entra ID found the client assertion (signed with the certificate) outside its valid time range (AADSTS700024): check the clock of this host.',
            hint: 'The clock must be within minutes of UTC. If it is, renew the certificate: `bash scripts/postprovision/graph-app.sh rotate-certificate`.',
        },
        {
            modes: FEDERATION,
            code: 'TokenRequestFailed',
            message: (c) =>
                `Entra ID found the token of managed identity ${c.credential?.identityClientId ?? 'AZURE_CLIENT_ID'}, the client assertion, outside its valid time range (AADSTS700024).`,
            hint: 'The app renews the identity token 5 minutes before it expires, so check the clock of this host (within minutes of UTC). If it persists, restart the function app: the identity endpoint then issues a new token.',
        },
    ],
    7000214: {
        modes: CERTIFICATE,
        code: 'TokenCertificateRejected',
        message: (c) => `The certificate${thumbprint(c)} has been revoked (AADSTS7000214).`,
        hint: CERTIFICATE_FIX,
    },
    7000277: {
        modes: CERTIFICATE,
        code: 'TokenCertificateRejected',
        message: (c) => `The certificate${thumbprint(c)} was revoked (AADSTS7000277).`,
        hint: CERTIFICATE_FIX,
    },
    1000502: {
        modes: CERTIFICATE,
        code: 'TokenCertificateRejected',
        message: (c) => `The certificate${thumbprint(c)} is outside its validity period (AADSTS1000502).`,
        hint: CERTIFICATE_FIX,
    },
    70021: {
        modes: FEDERATION,
        code: 'TokenFederatedCredentialMismatch',
        message: (c) => `No federated credential of the app matches ${federationValues(c)} (AADSTS70021). ${retried(c)}`,
        hint: FEDERATION_FIX,
    },
    700211: {
        modes: FEDERATION,
        code: 'TokenFederatedCredentialMismatch',
        message: (c) => `No federated credential of the app has the issuer the identity presented: ${federationValues(c)} (AADSTS700211).`,
        hint: FEDERATION_FIX,
    },
    700212: {
        modes: FEDERATION,
        code: 'TokenFederatedCredentialMismatch',
        message: (c) =>
            `No federated credential of the app has the audience the identity presented: ${federationValues(c)} (AADSTS700212).`,
        hint: FEDERATION_FIX,
    },
    700213: {
        modes: FEDERATION,
        code: 'TokenFederatedCredentialMismatch',
        message: (c) =>
            `No federated credential of the app has the subject the identity presented: ${federationValues(c)} (AADSTS700213). A system-assigned identity, or another user-assigned one than the credential names, gives this.`,
        hint: FEDERATION_FIX,
    },
};

/** Maps what MSAL threw to an error that names the cause and the fix. */
export function toTokenError(error: unknown, context: TokenContext): TokenError | ConfigurationError {
    if (error instanceof TokenError) return error;
    if (isUntrustedAuthorityError(error, context.authorityHost)) {
        return new ConfigurationError(
            [
                {
                    name: 'AUTHORITY_HOST',
                    problem: `(${context.authorityHost}) is not an Entra ID authority MSAL trusts: instance discovery at login.microsoftonline.com did not confirm it, so no credential was sent to it`,
                },
            ],
            {
                cause: error,
                hint: "Set AUTHORITY_HOST to your cloud's login host: https://login.microsoftonline.com, https://login.microsoftonline.us (US Government) or https://login.chinacloudapi.cn (China). If it is one already, the app could not reach login.microsoftonline.com for instance discovery: check outbound network rules.",
            },
        );
    }
    const e = (error ?? {}) as MsalLikeError;
    const aadsts = aadstsCodeOf(error);
    const correlation = typeof e.correlationId === 'string' && e.correlationId !== '' ? e.correlationId : undefined;
    const base = {
        cause: error,
        ...(aadsts === undefined ? {} : { aadstsCode: aadsts }),
        ...(correlation === undefined ? {} : { requestId: correlation }),
    };
    const known = aadsts === undefined ? undefined : hintFor(aadsts, context.credential?.kind);
    if (known !== undefined) {
        const text = (t: Text): string => (typeof t === 'string' ? t : t(context));
        return new TokenError(known.code, `${text(known.message)} (client ${context.clientId}, tenant ${context.tenantId})`, {
            ...base,
            hint: text(known.hint),
        });
    }
    const errorCode = typeof e.errorCode === 'string' ? e.errorCode : undefined;
    const detail = [e.errorMessage, e.message].find((m): m is string => typeof m === 'string') ?? String(error);
    const throttled = isThrottledTokenError(error);
    if (throttled || isTransientTokenError(error, context.authorityHost) || (aadsts === undefined && typeof e.status !== 'number')) {
        return new TokenError(
            'TokenEndpointUnavailable',
            `The token endpoint at ${context.authorityHost} is unavailable: ${firstLine(detail)}`,
            {
                ...base,
                // MSAL holds back requests for 60 s after throttling unless Entra says otherwise.
                ...(throttled ? { retryAfterSeconds: 60 } : {}),
                hint: 'Entra ID or the network is unavailable; retry later. Check AUTHORITY_HOST and outbound network rules.',
            },
        );
    }
    return new TokenError(
        'TokenRequestFailed',
        `Entra ID refused the token request${errorCode === undefined ? '' : ` (${errorCode})`}: ${firstLine(detail)}`,
        {
            ...base,
            hint: 'See the AADSTS code at https://login.microsoftonline.com/error and docs/troubleshooting.md.',
        },
    );
}

/** The reading of `aadsts` for this mode; every reading applies when the mode is not known. */
function hintFor(aadsts: number, kind: GraphCredentialKind | undefined): Hint | undefined {
    const entry = hints[aadsts];
    if (entry === undefined) return undefined;
    const readings: readonly Hint[] = Array.isArray(entry) ? entry : [entry as Hint];
    return readings.find((h) => kind === undefined || h.modes === undefined || h.modes.includes(kind));
}

function firstLine(text: string): string {
    return text.split(/\r?\n/)[0] ?? text;
}
