import type { AppError } from '../../errors/AppError.js';
import { CallerForbiddenError, CallerUnauthorizedError } from '../../errors/errorClasses.js';

/**
 * The `WWW-Authenticate` value of a 401 or 403 (RFC 6750 section 3): no error code when the request
 * carried no token (section 3.1), else the code and, as `error_description`, what is wrong.
 */
export function bearerChallenge(error: AppError): string | undefined {
    if (!(error instanceof CallerUnauthorizedError) && !(error instanceof CallerForbiddenError)) return undefined;
    if (error.bearerError === undefined) return 'Bearer';
    return `Bearer error="${error.bearerError}", error_description="${descriptionValue(error.callerDetail ?? '')}"`;
}

/** RFC 6750 section 3: error_description allows %x20-21 / %x23-5B / %x5D-7E (no quote, no backslash). */
function descriptionValue(text: string): string {
    return text.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '');
}
