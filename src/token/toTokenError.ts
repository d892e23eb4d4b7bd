import { TokenError } from '../errors/errorClasses.js';
import type { AppErrorCode } from '../errors/AppError.js';

interface TokenContext {
    readonly tenantId: string;
    readonly clientId: string;
    readonly authorityHost: string;
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
/** AADSTS90033: transient error. AADSTS90055: tenant throttling. */
const AADSTS_TRANSIENT = 90033;
const AADSTS_THROTTLED = 90055;

/** Entra ID is throttling this client (429 / AADSTS90055): wait, do not retry at once. */
export function isThrottledTokenError(error: unknown): boolean {
    return (error as MsalLikeError | undefined)?.status === 429 || aadstsCodeOf(error) === AADSTS_THROTTLED;
}

/** Entra ID outages (5xx, AADSTS90033), timeouts and network failures: worth a prompt retry. */
export function isTransientTokenError(error: unknown): boolean {
    if (isThrottledTokenError(error)) return false;
    const e = (error ?? {}) as MsalLikeError;
    if (typeof e.status === 'number' && e.status >= 500) return true;
    if (typeof e.errorCode === 'string' && TRANSIENT_ERROR_CODES.has(e.errorCode)) return true;
    return aadstsCodeOf(error) === AADSTS_TRANSIENT || e.name === 'TimeoutError';
}

/** Wrong or expired secret: the cases a Key Vault re-read can fix after a rotation. */
export function isInvalidClientError(error: unknown): boolean {
    const code = aadstsCodeOf(error);
    return (error as MsalLikeError | undefined)?.errorCode === 'invalid_client' || code === 7000215 || code === 7000222;
}

const hints: Readonly<Record<number, { code: AppErrorCode; message: string; hint: string }>> = {
    700016: {
        code: 'TokenAppNotFound',
        message: 'Entra ID has no application with GRAPH_CLIENT_ID in tenant GRAPH_TENANT_ID (AADSTS700016).',
        hint: 'Check GRAPH_CLIENT_ID and GRAPH_TENANT_ID; the app must be registered in (or consented to by) that tenant.',
    },
    7000215: {
        code: 'TokenInvalidClientSecret',
        message: 'Entra ID rejected the client secret from Key Vault (AADSTS7000215: invalid client secret).',
        hint: 'Write the secret VALUE (not its id) to Key Vault: run `scripts/postprovision/graph-app.sh rotate-secret`.',
    },
    7000222: {
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
};

/** Maps what MSAL threw to an error that names the cause and the fix. */
export function toTokenError(error: unknown, context: TokenContext): TokenError {
    if (error instanceof TokenError) return error;
    const e = (error ?? {}) as MsalLikeError;
    const aadsts = aadstsCodeOf(error);
    const correlation = typeof e.correlationId === 'string' && e.correlationId !== '' ? e.correlationId : undefined;
    const base = {
        cause: error,
        ...(aadsts === undefined ? {} : { aadstsCode: aadsts }),
        ...(correlation === undefined ? {} : { requestId: correlation }),
    };
    const known = aadsts === undefined ? undefined : hints[aadsts];
    if (known !== undefined) {
        return new TokenError(known.code, `${known.message} (client ${context.clientId}, tenant ${context.tenantId})`, {
            ...base,
            hint: known.hint,
        });
    }
    const errorCode = typeof e.errorCode === 'string' ? e.errorCode : undefined;
    const detail = [e.errorMessage, e.message].find((m): m is string => typeof m === 'string') ?? String(error);
    const throttled = isThrottledTokenError(error);
    if (throttled || isTransientTokenError(error) || (aadsts === undefined && typeof e.status !== 'number')) {
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

function firstLine(text: string): string {
    return text.split(/\r?\n/)[0] ?? text;
}
