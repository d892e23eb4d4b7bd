import { createExportRuntime, type ExportRuntime } from './createExportRuntime.js';

let shared: ExportRuntime | undefined;

/**
 * The process-wide export runtime, built on first use from `process.env` (one blob client and
 * one managed identity token cache). Configuration errors are thrown to each caller, not cached.
 */
export function getExportRuntime(): ExportRuntime {
    shared ??= createExportRuntime(process.env);
    return shared;
}
