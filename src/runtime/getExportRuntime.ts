import type { ExportRuntime } from './createExportRuntime.js';

let shared: ExportRuntime | undefined;

/**
 * The process-wide export runtime, built on first use from `process.env` (one blob client and
 * one managed identity token cache). Configuration errors are thrown to each caller, not cached.
 * The storage SDK loads here, on first use, not when the host imports the functions.
 */
export async function getExportRuntime(): Promise<ExportRuntime> {
    if (shared !== undefined) return shared;
    const { createExportRuntime } = await import('./createExportRuntime.js');
    shared ??= createExportRuntime(process.env);
    return shared;
}
