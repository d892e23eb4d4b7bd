import { CallerAuthUnavailableError } from '../errors/errorClasses.js';
import { parseJsonObject } from '../json/parseJsonObject.js';
import { GUID_PATTERN, isGuid } from '../config/isGuid.js';
import type { Logger } from '../logging/Logger.js';
import { ENTRA_METADATA_FETCH_TIMEOUT_MS, ENTRA_METADATA_RETRY_AFTER_SECONDS } from './entraMetadataRequests.js';

/** The tenant GUID in a v2.0 issuer, e.g. `https://login.microsoftonline.com/<guid>/v2.0`. */
const ISSUER_TENANT = new RegExp(`^https://[^/]+/(${GUID_PATTERN})/v2\\.0$`, 'i');

export interface TenantIdResolverOptions {
    readonly authorityHost: string;
    /** `GRAPH_TENANT_ID`: a GUID, or one of the tenant's verified domains. */
    readonly tenant: string;
    readonly logger?: Logger;
    readonly now?: () => number;
}

/**
 * The tenant GUID that caller tokens must name (`tid`, and inside `iss`). A configured GUID is used
 * as is. A domain name is resolved once through the tenant's OpenID metadata
 * (`{AUTHORITY_HOST}/{domain}/v2.0/.well-known/openid-configuration`, whose `issuer` holds the GUID),
 * then kept for the life of the process: a tenant's id never changes. Concurrent callers share one
 * request; after a failure the metadata is not asked again for a few seconds.
 */
export class TenantIdResolver {
    readonly #options: TenantIdResolverOptions;
    readonly #now: () => number;
    #resolved: string | undefined;
    #pending: Promise<string> | undefined;
    #failedAt: number | undefined;

    constructor(options: TenantIdResolverOptions) {
        this.#options = options;
        this.#now = options.now ?? Date.now;
        if (isGuid(options.tenant)) this.#resolved = options.tenant.toLowerCase();
    }

    async tenantId(): Promise<string> {
        if (this.#resolved !== undefined) return this.#resolved;
        if (this.#pending === undefined) {
            if (this.#failedAt !== undefined && this.#now() - this.#failedAt < ENTRA_METADATA_RETRY_AFTER_SECONDS * 1000) {
                throw this.#unavailable('the last attempt failed moments ago');
            }
            this.#pending = this.#fetch().finally(() => {
                this.#pending = undefined;
            });
        }
        return this.#pending;
    }

    async #fetch(): Promise<string> {
        const url = `${this.#options.authorityHost}/${encodeURIComponent(this.#options.tenant)}/v2.0/.well-known/openid-configuration`;
        let issuer: unknown;
        try {
            const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(ENTRA_METADATA_FETCH_TIMEOUT_MS) });
            if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
            issuer = parseJsonObject(await response.text())?.issuer;
        } catch (error) {
            this.#failedAt = this.#now();
            const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
            this.#options.logger?.warn(`Could not read the tenant's OpenID metadata from ${url} (${reason}).`);
            throw this.#unavailable(`its OpenID metadata (${url}) could not be read: ${reason}`);
        }
        const tenantId = typeof issuer === 'string' ? ISSUER_TENANT.exec(issuer)?.[1] : undefined;
        if (tenantId === undefined) {
            this.#failedAt = this.#now();
            throw this.#unavailable(`its OpenID metadata (${url}) has no v2.0 issuer naming a tenant id`);
        }
        this.#resolved = tenantId.toLowerCase();
        return this.#resolved;
    }

    #unavailable(why: string): CallerAuthUnavailableError {
        return new CallerAuthUnavailableError(
            `Caller tokens cannot be checked: the tenant id of GRAPH_TENANT_ID "${this.#options.tenant}" is unknown, ${why}.`,
            {
                hint: 'Set GRAPH_TENANT_ID to the tenant GUID (Entra ID overview, "Tenant ID"), or make sure the function app reaches AUTHORITY_HOST.',
                retryAfterSeconds: ENTRA_METADATA_RETRY_AFTER_SECONDS,
            },
        );
    }
}
