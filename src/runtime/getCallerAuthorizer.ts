import type { CallerAuthorizer } from '../callerAuth/CallerAuthorizer.js';
import { consoleLogger } from '../logging/consoleLogger.js';

let shared: CallerAuthorizer | undefined;

/**
 * The process-wide caller authorizer, built on first use from `process.env`, so every invocation
 * shares one key cache. A configuration error is thrown to each caller (a 500, never an open
 * route) and not cached. jose loads here, on the first request, not when the host imports the app.
 */
export async function getCallerAuthorizer(): Promise<CallerAuthorizer> {
    if (shared !== undefined) return shared;
    const { createCallerAuthorizer } = await import('./createCallerAuthorizer.js');
    shared ??= createCallerAuthorizer(process.env, consoleLogger);
    return shared;
}
