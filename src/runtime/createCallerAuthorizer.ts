import { functionKeyAuthorizer, type CallerAuthorizer } from '../callerAuth/CallerAuthorizer.js';
import { CallerTokenValidator } from '../callerAuth/CallerTokenValidator.js';
import { loadCallerAuthSettings } from '../config/CallerAuthSettings.js';
import type { Environment } from '../config/readSettings.js';
import type { Logger } from '../logging/Logger.js';

/**
 * Entra ID caller authorization when `API_AUDIENCE` is set; otherwise the function key alone, said
 * once in the log because it names nobody. Constructs only: keys and metadata are read on first use.
 */
export function createCallerAuthorizer(env: Environment, logger?: Logger): CallerAuthorizer {
    const settings = loadCallerAuthSettings(env);
    if (settings === undefined) {
        logger?.warn(
            'API_AUDIENCE is not set: the HTTP routes are guarded by the function key alone, which identifies no caller. Set API_AUDIENCE to require Entra ID access tokens with an app role (README, "Who may call the API").',
        );
        return functionKeyAuthorizer;
    }
    return new CallerTokenValidator({ settings, ...(logger === undefined ? {} : { logger }) });
}
