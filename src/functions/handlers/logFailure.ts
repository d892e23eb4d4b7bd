import type { AppError } from '../../errors/AppError.js';
import type { Logger } from '../../logging/Logger.js';

/**
 * The full story of a failed invocation for operators (code, message, fix, request id), under its
 * invocation id: the caller's answer carries only the code and that id (see publicErrorDetail).
 */
export function logFailure(logger: Logger, error: AppError, invocationId: string): void {
    const line = `${error.toLogString()} (invocationId ${invocationId})`;
    if (error.status >= 500) logger.error(line);
    else logger.warn(line);
}
