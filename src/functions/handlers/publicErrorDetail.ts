import type { AppError } from '../../errors/AppError.js';

/** What a caller may read about an error: the sanitized message, or nothing for unexpected ones. */
export function publicErrorDetail(error: AppError): string {
    return error.code === 'Internal' ? 'An unexpected error occurred; see the function logs for this invocation id.' : error.message;
}
