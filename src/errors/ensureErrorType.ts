import { AppError } from './AppError.js';

/** Normalises anything thrown into an AppError whose text has been through the sanitizer. */
export function ensureErrorType(error: unknown): AppError {
    if (error instanceof AppError) return error;
    const message = error instanceof Error ? error.message : `Non-error thrown: ${String(error)}`;
    return new AppError('Internal', message, { status: 500, cause: error });
}
