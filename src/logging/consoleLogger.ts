import { createSanitizedLogger } from './createSanitizedLogger.js';

/** Process-level logger (stderr) for messages outside an invocation, e.g. MSAL warnings. */
export const consoleLogger = createSanitizedLogger((level, message) => {
    if (level === 'warn') console.warn(message);
    else console.error(message);
});
