import { ConfigurationError } from '../errors/errorClasses.js';
import { readSettings, type Environment } from './readSettings.js';

/** How callers of the HTTP API are authorized when `API_AUDIENCE` is set. */
export interface CallerAuthSettings {
    /** The `aud` values a caller token may carry. */
    readonly audiences: readonly string[];
    /** The app role the token's `roles` claim must contain. */
    readonly requiredRole: string;
    readonly authorityHost: string;
    /** `GRAPH_TENANT_ID` as configured: the tenant GUID or one of its verified domains. */
    readonly tenant: string;
}

/** Entra ID's multi-tenant aliases: they name no tenant, so they cannot bound whose tokens are accepted. */
const NOT_A_TENANT = new Set(['common', 'organizations', 'consumers']);

/**
 * The caller-authorization settings, or undefined when `API_AUDIENCE` is unset (the function key
 * alone then guards the routes). Caller tokens must come from the tenant whose users are read.
 */
export function loadCallerAuthSettings(env: Environment): CallerAuthSettings | undefined {
    const audience = readSettings(env, ['API_AUDIENCE']).API_AUDIENCE as readonly string[] | undefined;
    if (audience === undefined) return undefined;
    const s = readSettings(env, ['API_AUDIENCE', 'API_REQUIRED_ROLE', 'AUTHORITY_HOST', 'GRAPH_TENANT_ID']);
    const tenant = s.GRAPH_TENANT_ID as string;
    if (NOT_A_TENANT.has(tenant.toLowerCase())) {
        throw new ConfigurationError([
            {
                name: 'GRAPH_TENANT_ID',
                problem: `must name one tenant (its GUID or a verified domain) when API_AUDIENCE is set, not "${tenant}"`,
            },
        ]);
    }
    return {
        audiences: audience,
        requiredRole: s.API_REQUIRED_ROLE as string,
        authorityHost: s.AUTHORITY_HOST as string,
        tenant,
    };
}
