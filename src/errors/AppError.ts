import { sanitizeText } from './sanitizeText.js';

/** Stable, documented error codes. Operators search logs for these; keep them unchanged. */
export type AppErrorCode =
    | 'ConfigurationInvalid'
    | 'BadRequest'
    | 'NotAcceptable'
    | 'MethodNotAllowed'
    | 'KeyVaultForbidden'
    | 'KeyVaultUnauthorized'
    | 'KeyVaultSecretNotFound'
    | 'KeyVaultSecretDisabled'
    | 'KeyVaultCredentialUnavailable'
    | 'KeyVaultUnavailable'
    | 'KeyVaultCertificateNoPrivateKey'
    | 'KeyVaultCertificatePasswordProtected'
    | 'KeyVaultCertificateInvalid'
    | 'TokenAppNotFound'
    | 'TokenInvalidClientSecret'
    | 'TokenClientSecretExpired'
    | 'TokenTenantNotFound'
    | 'TokenInvalidScope'
    | 'TokenRequestFailed'
    | 'TokenEndpointUnavailable'
    | 'TokenCertificateRejected'
    | 'TokenFederatedCredentialMismatch'
    | 'TokenManagedIdentityUnavailable'
    | 'TokenSystemAssignedIdentity'
    | 'GraphConsentMissing'
    | 'GraphUnauthorized'
    | 'GraphBadRequest'
    | 'GraphThrottled'
    | 'GraphUnavailable'
    | 'GraphMalformedResponse'
    | 'GraphForeignNextLink'
    | 'GraphRepeatedNextLink'
    | 'GraphRequestFailed'
    | 'ExportFailed'
    | 'ExportConflict'
    | 'NoSnapshot'
    | 'PageTokenKeysUnavailable'
    | 'CallerUnauthorized'
    | 'CallerForbidden'
    | 'CallerAuthUnavailable'
    | 'SnapshotLinkUnavailable'
    | 'Internal';

export interface AppErrorOptions {
    /** What the operator should do about it. */
    readonly hint?: string;
    /** HTTP status the HTTP function answers with. */
    readonly status?: number;
    /** Graph or Key Vault request id, for support cases. */
    readonly requestId?: string;
    /** Seconds the caller should wait before retrying, when known. */
    readonly retryAfterSeconds?: number;
    /**
     * What an API caller may read about this error, for errors of the caller's own making (a bad
     * parameter, a missing token): written for the caller, naming no internal value. Absent, the
     * caller gets a generic text, and the message and hint go to the log only.
     */
    readonly callerDetail?: string;
    readonly cause?: unknown;
}

/**
 * Base of every error this app throws on purpose. The message and hint pass through the
 * credential sanitizer at construction, so nothing downstream can leak what an SDK put in them.
 */
export class AppError extends Error {
    readonly code: AppErrorCode;
    readonly hint: string | undefined;
    readonly status: number;
    readonly requestId: string | undefined;
    readonly retryAfterSeconds: number | undefined;
    readonly callerDetail: string | undefined;

    constructor(code: AppErrorCode, message: string, options: AppErrorOptions = {}) {
        super(sanitizeText(message), options.cause === undefined ? undefined : { cause: sanitizeCause(options.cause) });
        this.name = new.target.name;
        this.code = code;
        this.hint = options.hint === undefined ? undefined : sanitizeText(options.hint);
        this.status = options.status ?? 500;
        this.requestId = options.requestId;
        this.retryAfterSeconds = options.retryAfterSeconds;
        this.callerDetail = options.callerDetail === undefined ? undefined : sanitizeText(options.callerDetail);
    }

    /** One line for logs: code, message, hint and request id. */
    toLogString(): string {
        const parts = [`${this.code}: ${this.message}`];
        if (this.hint !== undefined) parts.push(`Fix: ${this.hint}`);
        if (this.requestId !== undefined) parts.push(`request-id: ${this.requestId}`);
        return parts.join(' ');
    }
}

/**
 * SDK errors can carry request objects with Authorization headers or form bodies with the
 * client secret; keep only their name, code and sanitized message.
 */
function sanitizeCause(cause: unknown): Error {
    if (cause instanceof AppError) return cause;
    const source = cause instanceof Error ? cause : new Error(String(cause));
    const safe = new Error(sanitizeText(source.message));
    safe.name = source.name;
    const code = (source as { code?: unknown }).code ?? (source as { errorCode?: unknown }).errorCode;
    if (typeof code === 'string') Object.defineProperty(safe, 'code', { value: code, enumerable: true });
    const statusCode = (source as { statusCode?: unknown }).statusCode ?? (source as { status?: unknown }).status;
    if (typeof statusCode === 'number') Object.defineProperty(safe, 'statusCode', { value: statusCode, enumerable: true });
    return safe;
}
