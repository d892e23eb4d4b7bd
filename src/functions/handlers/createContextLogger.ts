import type { InvocationContext } from '@azure/functions';
import { createSanitizedLogger } from '../../logging/createSanitizedLogger.js';
import type { Logger } from '../../logging/Logger.js';

/** Logs through the invocation context so Application Insights correlates them. */
export function createContextLogger(context: InvocationContext): Logger {
    return createSanitizedLogger((level, message) => {
        context[level](message);
    });
}
