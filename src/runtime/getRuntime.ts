import { consoleLogger } from '../logging/consoleLogger.js';
import type { Runtime } from './createRuntime.js';

let shared: Runtime | undefined;

/**
 * The process-wide runtime, built on first use from `process.env`. A configuration error is
 * thrown to each caller (and not cached), so fixing the app settings needs no code change.
 * The Key Vault, identity and MSAL SDKs load here, on the first invocation, not when the host
 * imports the functions: that keeps them out of the cold start's import.
 */
export async function getRuntime(): Promise<Runtime> {
    if (shared !== undefined) return shared;
    const { createRuntime } = await import('./createRuntime.js');
    shared ??= createRuntime(process.env, { logger: consoleLogger });
    return shared;
}
