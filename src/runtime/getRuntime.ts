import { consoleLogger } from '../logging/consoleLogger.js';
import { createRuntime, type Runtime } from './createRuntime.js';

let shared: Runtime | undefined;

/**
 * The process-wide runtime, built on first use from `process.env`. A configuration error is
 * thrown to each caller (and not cached), so fixing the app settings needs no code change.
 */
export function getRuntime(): Runtime {
    shared ??= createRuntime(process.env, { logger: consoleLogger });
    return shared;
}
