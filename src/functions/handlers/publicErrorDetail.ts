import type { AppError } from '../../errors/AppError.js';

/**
 * What a caller may read about an error: the detail written for callers when the request itself was
 * at fault, otherwise one generic sentence. Messages and hints name vaults, secrets, tenants, client
 * and identity ids and consent URLs, so they go to the log (under the same invocation id), never out.
 */
export function publicErrorDetail(error: AppError): string {
    return (
        error.callerDetail ??
        'The service could not complete this request. Its operators find the cause in the function logs under this invocationId.'
    );
}
