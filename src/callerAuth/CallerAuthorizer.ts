import type { CallerIdentity } from './CallerIdentity.js';

/** Decides whether an HTTP request may call the API, before anything else runs. */
export interface CallerAuthorizer {
    /**
     * `entraId`: every request needs an Entra ID access token with the app role (`API_AUDIENCE` set).
     * `functionKey`: the host's function key alone guards the routes (`API_AUDIENCE` unset).
     */
    readonly mode: 'entraId' | 'functionKey';
    /**
     * Resolves the verified caller, or undefined in `functionKey` mode. Throws CallerUnauthorizedError
     * (401), CallerForbiddenError (403) or CallerAuthUnavailableError (503).
     */
    authorize(authorization: string | null): Promise<CallerIdentity | undefined>;
}

/** Key-only mode: the Functions host already checked the function key before the handler ran. */
export const functionKeyAuthorizer: CallerAuthorizer = {
    mode: 'functionKey',
    authorize: () => Promise.resolve(undefined),
};
