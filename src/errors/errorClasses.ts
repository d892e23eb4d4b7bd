import type { CallerIdentity } from '../callerAuth/CallerIdentity.js';
import { AppError, type AppErrorCode, type AppErrorOptions } from './AppError.js';

/** A setting is missing or malformed. Lists every bad setting by name. */
export class ConfigurationError extends AppError {
    readonly settings: readonly string[];
    readonly problems: readonly { readonly name: string; readonly problem: string }[];
    /** `hint`: a fix more precise than "set these settings", for a value found wrong only when used. */
    constructor(
        problems: readonly { readonly name: string; readonly problem: string }[],
        options: { readonly hint?: string; readonly cause?: unknown } = {},
    ) {
        super('ConfigurationInvalid', `Invalid configuration: ${problems.map((p) => `${p.name} ${p.problem}`).join('; ')}`, {
            status: 500,
            hint: options.hint ?? 'Set these app settings (local.settings.json Values when running locally).',
            cause: options.cause,
        });
        this.settings = problems.map((p) => p.name);
        this.problems = problems;
    }
}

/** The caller sent something the API does not accept. Always a 400. */
export class BadRequestError extends AppError {
    readonly parameter: string | undefined;
    constructor(message: string, parameter?: string) {
        super('BadRequest', message, { status: 400, callerDetail: message });
        this.parameter = parameter;
    }
}

/** The caller asked for a representation the endpoint does not produce. Always a 406. */
export class NotAcceptableError extends AppError {
    constructor(message: string) {
        super('NotAcceptable', message, { status: 406, callerDetail: message });
    }
}

/** Only GET is served; the host enforces it too, this is defence in depth. Always a 405. */
export class MethodNotAllowedError extends AppError {
    constructor(method: string) {
        const message = `Method ${method.slice(0, 16)} is not allowed; use GET.`;
        super('MethodNotAllowed', message, { status: 405, callerDetail: message });
    }
}

/** Writing or reading the users export (snapshot blobs, `latest.json`) failed. */
export class ExportError extends AppError {
    constructor(code: 'ExportFailed' | 'NoSnapshot', message: string, options: AppErrorOptions = {}) {
        super(code, message, { status: 503, ...options });
    }
}

/**
 * The page-token key ring (`keys/page-tokens.json` in the export container) could not be read,
 * created or understood, and no usable copy is cached: no token can be minted or checked.
 */
export class PageTokenKeysError extends AppError {
    constructor(message: string, options: AppErrorOptions = {}) {
        super('PageTokenKeysUnavailable', message, { status: 503, ...options });
    }
}

/**
 * Another export replaced `latest.json` while this one ran (the ETag read at the start no longer
 * matched), or, in a folder, holds its lock file. This run's snapshot is discarded; the other
 * run's manifest stays.
 */
export class ExportConflictError extends AppError {
    constructor(snapshotName: string, lock?: { readonly file: string; readonly holder: string; readonly staleAfterMinutes: number }) {
        super(
            'ExportConflict',
            lock === undefined
                ? `Another export updated latest.json while this one ran; this run's snapshot ${snapshotName} was discarded and latest.json keeps the other run's snapshot.`
                : `Another export is writing latest.json: its lock ${lock.file} is held by ${lock.holder}. This run's snapshot ${snapshotName} was discarded and latest.json was left as it was.`,
            {
                status: 409,
                hint:
                    lock === undefined
                        ? 'No action needed if it is rare. Overlapping runs mean the timer overlapped a manual `graph-users export` or the host singleton lock was bypassed.'
                        : `If no other \`graph-users export\` is writing to this folder, delete ${lock.file}. A lock whose process is gone from this host, or older than ${lock.staleAfterMinutes} minutes, is taken over by the next run.`,
            },
        );
    }
}

/** Reading the client secret from Key Vault failed. */
export class SecretError extends AppError {
    constructor(code: AppErrorCode, message: string, options: AppErrorOptions) {
        super(code, message, { status: 503, ...options });
    }
}

/** Getting the app-only Graph token from Entra ID failed. */
export class TokenError extends AppError {
    readonly aadstsCode: number | undefined;
    constructor(code: AppErrorCode, message: string, options: AppErrorOptions & { readonly aadstsCode?: number }) {
        super(code, message, { status: 503, ...options });
        this.aadstsCode = options.aadstsCode;
    }
}

/** Microsoft Graph answered with an error, or could not be reached. */
export class GraphError extends AppError {
    readonly httpStatus: number | undefined;
    readonly graphCode: string | undefined;
    /** `error.innerError.code` of Graph's answer, when it has one. */
    readonly graphInnerCode: string | undefined;
    constructor(
        code: AppErrorCode,
        message: string,
        options: AppErrorOptions & { readonly httpStatus?: number; readonly graphCode?: string; readonly graphInnerCode?: string },
    ) {
        super(code, message, { status: 502, ...options });
        this.httpStatus = options.httpStatus;
        this.graphCode = options.graphCode;
        this.graphInnerCode = options.graphInnerCode;
    }
}

/** The error codes of a Bearer challenge (RFC 6750 section 3.1). */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/**
 * The caller sent no usable Entra ID access token. Always a 401 with a Bearer challenge; the message
 * is written for the caller (it says what is wrong with the token, naming no configured value).
 */
export class CallerUnauthorizedError extends AppError {
    /** Undefined when the request carried no bearer token at all: RFC 6750 section 3.1 wants no error code then. */
    readonly bearerError: Exclude<BearerErrorCode, 'insufficient_scope'> | undefined;
    constructor(bearerError: Exclude<BearerErrorCode, 'insufficient_scope'> | undefined, message: string) {
        super('CallerUnauthorized', message, { status: 401, callerDetail: message });
        this.bearerError = bearerError;
    }
}

/** A valid token from the tenant that lacks the required app role. Always a 403 (`insufficient_scope`). */
export class CallerForbiddenError extends AppError {
    readonly bearerError = 'insufficient_scope';
    /** Who it was: the token was verified, so the audit names the caller that was refused. */
    readonly caller: CallerIdentity;
    constructor(caller: CallerIdentity, message: string) {
        super('CallerForbidden', message, { status: 403, callerDetail: message });
        this.caller = caller;
    }
}

/**
 * The tenant's signing keys or OpenID metadata could not be read, so no token can be checked. A 503
 * with Retry-After: the caller's token is not to blame.
 */
export class CallerAuthUnavailableError extends AppError {
    constructor(message: string, options: AppErrorOptions = {}) {
        super('CallerAuthUnavailable', message, { status: 503, ...options });
    }
}

/** The short-lived download link for the latest snapshot could not be signed (user delegation key). */
export class SnapshotLinkError extends AppError {
    constructor(message: string, options: AppErrorOptions = {}) {
        super('SnapshotLinkUnavailable', message, { status: 503, ...options });
    }
}
