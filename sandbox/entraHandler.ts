import { randomUUID } from 'node:crypto';
import type { SandboxState } from './SandboxState.js';
import { JWT_BEARER, verifyClientAssertion } from './verifyClientAssertion.js';
import type { ServiceExchange } from './ServiceServer.js';

const NO_STORE = { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' } as const;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TRANSIENT = { code: 90033, text: 'A transient error has occurred. Please try again.' } as const;
const THROTTLED = {
    code: 90055,
    text: 'TenantThrottlingError - There are too many incoming requests. This exception is thrown for blocked tenants.',
} as const;

/** Entra ID v2 stand-in: OIDC metadata, JWKS and the client credentials token endpoint. */
export function createEntraHandler(state: SandboxState): (exchange: ServiceExchange) => Promise<void> {
    return async (exchange) => {
        const segments = exchange.url.pathname.split('/').filter((s) => s.length > 0);
        const [tenant, ...rest] = segments;
        const route = rest.join('/');
        const method = exchange.req.method ?? '';
        if (method === 'POST' && route === 'oauth2/v2.0/token' && tenant !== undefined) {
            await token(state, exchange, tenant);
        } else if (method === 'GET' && route === 'v2.0/.well-known/openid-configuration' && tenant !== undefined) {
            state.counters.openIdConfigurationRequests++;
            if (discoveryFault(state, exchange)) return;
            if (!isTenant(state, tenant)) {
                tenantNotFound(state, exchange, tenant, 'invalid_tenant');
                return;
            }
            exchange.sendJson(200, openIdConfiguration(state, reachedAt(state, exchange)), { 'cache-control': 'max-age=86400, private' });
        } else if (method === 'GET' && (route === 'discovery/v2.0/keys' || route === 'discovery/keys')) {
            state.counters.jwksRequests++;
            if (discoveryFault(state, exchange)) return;
            if (tenant !== 'common' && (tenant === undefined || !isTenant(state, tenant))) {
                tenantNotFound(state, exchange, tenant ?? '', 'invalid_tenant');
                return;
            }
            // One key set signs every token of the tenant: the app's Graph tokens and its callers' tokens.
            const keys = [...state.issuer.jwks().keys, ...(await state.callerTokens.jwks())];
            exchange.sendJson(200, { keys }, { 'cache-control': 'max-age=86400, private' });
        } else {
            exchange.send(404, '', {});
        }
    };
}

async function token(state: SandboxState, exchange: ServiceExchange, tenant: string): Promise<void> {
    state.counters.tokenRequests++;
    const fail = (status: number, error: string, code: number, description: string): void => {
        entraError(state, exchange, status, error, code, description);
    };
    const injected = state.faults.token.failures.take();
    if (injected !== undefined) {
        const { code, text } = injected === 429 ? THROTTLED : TRANSIENT;
        entraError(state, exchange, injected, 'temporarily_unavailable', code, text, injected === 429 ? { 'retry-after': '1' } : {});
        return;
    }
    if (!isTenant(state, tenant)) {
        tenantNotFound(state, exchange, tenant, 'invalid_request');
        return;
    }
    const raw = await exchange.readBody();
    if (raw === undefined) {
        fail(413, 'invalid_request', 90056, 'The request body is too large.');
        return;
    }
    const form = new URLSearchParams(raw);
    const basic = parseBasic(exchange.header('authorization'));
    const grantType = form.get('grant_type');
    const clientId = form.get('client_id') ?? basic?.clientId;
    const clientSecret = form.get('client_secret') ?? basic?.clientSecret;
    const scope = form.get('scope');
    if (grantType === null) {
        fail(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
        return;
    }
    if (grantType !== 'client_credentials') {
        fail(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
        return;
    }
    if (clientId === undefined) {
        fail(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
        return;
    }
    if (clientId !== state.clientId) {
        fail(
            400,
            'unauthorized_client',
            700016,
            `Application with identifier '${clientId}' was not found in the directory '${state.tenantDomain}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
        );
        return;
    }
    const assertion = form.get('client_assertion');
    if (assertion !== null) {
        state.counters.assertionTokenRequests++;
        if (clientSecret !== undefined) {
            fail(400, 'invalid_request', 7000218, "Only one of 'client_assertion' and 'client_secret' may be presented.");
            return;
        }
        if (form.get('client_assertion_type') !== JWT_BEARER) {
            fail(400, 'invalid_request', 50027, `Invalid client_assertion_type; expected '${JWT_BEARER}'.`);
            return;
        }
        const rejection = await verifyClientAssertion(
            state,
            assertion,
            clientId,
            `${state.origins.entra}/${state.tenantId}/oauth2/v2.0/token`,
        );
        if (rejection !== undefined) {
            fail(rejection.status, rejection.error, rejection.code, rejection.description);
            return;
        }
    } else if (clientSecret === undefined) {
        fail(
            401,
            'invalid_client',
            7000216,
            "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
        );
        return;
    } else {
        const rejected = secretRejection(state, clientSecret);
        if (rejected !== undefined) {
            fail(401, 'invalid_client', rejected.code, rejected.description);
            return;
        }
    }
    if (scope === null) {
        fail(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
        return;
    }
    const scopes = scope.split(' ').filter((s) => s.length > 0);
    const only = scopes.length === 1 ? scopes[0] : undefined;
    if (!only?.endsWith('/.default')) {
        fail(
            400,
            'invalid_scope',
            1002012,
            `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        );
        return;
    }
    const resource = only.slice(0, -'/.default'.length).replace(/\/$/, '');
    if (resource !== state.origins.graph) {
        fail(
            400,
            'invalid_resource',
            500011,
            `The resource principal named ${resource} was not found in the tenant named ${state.tenantDomain}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
        );
        return;
    }
    const issued = await state.issuer.issue({
        audience: state.origins.graph,
        appId: state.clientId,
        objectId: state.servicePrincipalId,
        lifetimeSeconds: state.graphTokenJwtLifetimeSeconds,
        roles: state.appRoles.length > 0 ? state.appRoles : undefined,
        extraClaims: { app_displayname: 'graph-users-sandbox' },
    });
    state.counters.tokenSuccesses++;
    exchange.sendJson(
        200,
        {
            token_type: 'Bearer',
            expires_in: state.graphTokenLifetimeSeconds,
            ext_expires_in: state.graphTokenLifetimeSeconds,
            access_token: issued.token,
        },
        { ...NO_STORE, ...correlationHeaders(exchange) },
    );
}

/**
 * The origin the client reached the stand-in at. Entra ID answers each of its hosts with metadata of that host
 * (issuer, endpoints), so an authority spelled another way (`https://localhost.:port`) gets metadata that MSAL's
 * issuer check accepts: whether a credential reaches the stand-in then depends only on MSAL's trust in the host.
 */
function reachedAt(state: SandboxState, exchange: ServiceExchange): string {
    const host = exchange.header('host');
    return host !== undefined && /^[\w.-]+:\d+$|^\[[\da-f:.]+\]:\d+$/i.test(host) ? `https://${host}` : state.origins.entra;
}

function openIdConfiguration(state: SandboxState, origin: string): Record<string, unknown> {
    const base = `${origin}/${state.tenantId}`;
    return {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        // MSAL requires the issuer host to match the authority host.
        issuer: `${base}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${state.origins.graph}/oidc/userinfo`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        claims_supported: [
            'sub',
            'iss',
            'cloud_instance_name',
            'cloud_instance_host_name',
            'cloud_graph_host_name',
            'msgraph_host',
            'aud',
            'exp',
            'iat',
            'auth_time',
            'acr',
            'nonce',
            'preferred_username',
            'name',
            'tid',
            'ver',
            'at_hash',
            'c_hash',
            'email',
        ],
        kerberos_endpoint: `${base}/kerberos`,
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: new URL(state.origins.graph).host,
        rbac_url: 'https://pas.windows.net',
    };
}

/** An injected failure of the keys or metadata endpoint: answered, and true. */
function discoveryFault(state: SandboxState, exchange: ServiceExchange): boolean {
    const status = state.faults.discovery.failures.take();
    if (status === undefined) return false;
    exchange.sendJson(status, { error: 'temporarily_unavailable', error_description: 'The discovery endpoint is unavailable.' }, NO_STORE);
    return true;
}

function isTenant(state: SandboxState, tenant: string): boolean {
    return tenant.toLowerCase() === state.tenantId.toLowerCase() || tenant.toLowerCase() === state.tenantDomain;
}

function tenantNotFound(state: SandboxState, exchange: ServiceExchange, tenant: string, error: string): void {
    entraError(
        state,
        exchange,
        400,
        error,
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    );
}

/** Entra's error body: the description repeats trace id, correlation id and timestamp, as the real one does. */
function entraError(
    state: SandboxState,
    exchange: ServiceExchange,
    status: number,
    error: string,
    code: number,
    description: string,
    headers: Readonly<Record<string, string>> = {},
): void {
    const traceId = randomUUID();
    const correlationId = clientRequestId(exchange);
    const timestamp = new Date()
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
    exchange.sendJson(
        status,
        {
            error,
            error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
            error_codes: [code],
            timestamp,
            trace_id: traceId,
            correlation_id: correlationId,
            error_uri: `${state.origins.entra}/error?code=${code}`,
        },
        { ...NO_STORE, 'x-ms-request-id': traceId, 'client-request-id': correlationId, ...headers },
    );
}

function correlationHeaders(exchange: ServiceExchange): Record<string, string> {
    return { 'x-ms-request-id': randomUUID(), 'client-request-id': clientRequestId(exchange) };
}

// MSAL Node sends it as a query parameter of the token request; other clients as a header.
function clientRequestId(exchange: ServiceExchange): string {
    const sent = exchange.url.searchParams.get('client-request-id') ?? exchange.header('client-request-id');
    return sent !== undefined && GUID.test(sent) ? sent : randomUUID();
}

function parseBasic(authorization: string | undefined): { clientId: string; clientSecret: string } | undefined {
    const encoded = /^Basic (\S+)$/i.exec(authorization ?? '')?.[1];
    if (encoded === undefined) return undefined;
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    try {
        return { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) };
    } catch {
        return undefined;
    }
}

/** Entra's answer to a client secret that is not (or no longer) valid; undefined when it is valid. */
function secretRejection(state: SandboxState, clientSecret: string): { code: number; description: string } | undefined {
    const status = state.clientSecrets.status(clientSecret);
    if (status === 'valid') {
        if (state.clientSecrets.current === clientSecret) state.counters.newestCredentialAccepted++;
        else state.counters.olderCredentialAccepted++;
        return undefined;
    }
    // A secret Graph added a moment ago: Entra answers as for a wrong one until it has propagated.
    if (status === 'unpropagated') state.counters.unpropagatedCredentialRejections++;
    if (status === 'expired') {
        return {
            code: 7000222,
            description: `The provided client secret keys for app '${state.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
        };
    }
    return {
        code: 7000215,
        description: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${state.clientId}'.`,
    };
}
