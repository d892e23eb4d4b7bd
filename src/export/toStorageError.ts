import { AppError, type AppErrorOptions } from '../errors/AppError.js';
import { ExportError } from '../errors/errorClasses.js';

/** Builds the typed error for a storage failure; the export's by default. */
export type StorageErrorFactory = (message: string, options: AppErrorOptions) => AppError;

const exportFailed: StorageErrorFactory = (message, options) => new ExportError('ExportFailed', message, options);

/**
 * Maps a @azure/storage-blob failure to an error that says what to fix. The SDK's RestError can
 * carry the request; only its status, code and (sanitized) message are kept.
 */
export function toStorageError(error: unknown, action: string, location: string, create: StorageErrorFactory = exportFailed): AppError {
    if (error instanceof AppError) return error;
    const status = (error as { statusCode?: unknown }).statusCode;
    const code = (error as { code?: unknown }).code;
    const headers = (error as { response?: { headers?: { get?: unknown } } }).response?.headers;
    const requestId: unknown =
        typeof headers?.get === 'function' ? (headers.get as (name: string) => unknown).call(headers, 'x-ms-request-id') : undefined;
    const said = [typeof status === 'number' ? String(status) : undefined, typeof code === 'string' ? code : undefined]
        .filter((p) => p !== undefined)
        .join(' ');
    const message = `Export storage failed to ${action} at ${location}${said === '' ? '' : ` (${said})`}.`;
    const options = { cause: error, ...(typeof requestId === 'string' ? { requestId } : {}) };
    if (status === 403 || status === 401) {
        return create(message, {
            ...options,
            hint: "Grant the function app's managed identity (USERS_EXPORT_STORAGE__clientId) Storage Blob Data Contributor on the export container, or fix the USERS_EXPORT_STORAGE connection string.",
        });
    }
    if (code === 'ContainerNotFound') {
        return create(message, {
            ...options,
            hint: 'Create the container named by USERS_EXPORT_CONTAINER (the Bicep template does in Azure).',
        });
    }
    if (typeof status !== 'number') {
        return create(message, {
            ...options,
            hint: 'Check USERS_EXPORT_STORAGE / USERS_EXPORT_STORAGE__blobServiceUri and that the storage endpoint is reachable (start Azurite locally).',
        });
    }
    return create(message, options);
}
