import { createSanitizedLogger } from './createSanitizedLogger.js';

/** Process-level logger (stderr) for messages outside an invocation, e.g. MSAL warnings. */
export const consoleLogger = createSanitizedLogger((level, message) =>
    level === 'warn' ? console.warn(message) : console.error(message),
);
