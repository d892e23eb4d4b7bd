import { randomUUID } from 'node:crypto';
import { FEDERATION_AUDIENCE, KEY_VAULT_RESOURCE, STORAGE_RESOURCE } from './SandboxState.js';
import type { SandboxState } from './SandboxState.js';
import type { ServiceExchange } from './ServiceServer.js';

const IDENTITY_QUERY_KEYS = ['client_id', 'principal_id', 'object_id', 'mi_res_id', 'msi_res_id'] as const;
const RESOURCE_GROUP = '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg-sandbox/providers';
/** What the identities get tokens for: Key Vault, federation, and Azure Storage (Azurite with OAuth). */
const RESOURCES: readonly string[] = [KEY_VAULT_RESOURCE, FEDERATION_AUDIENCE, STORAGE_RESOURCE];

/**
 * App Service managed identity endpoint (api-version 2019-08-01), as MSAL's AppService source calls it:
 * `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=...` with header X-IDENTITY-HEADER.
 */
export function createIdentityHandler(state: SandboxState): (exchange: ServiceExchange) => Promise<void> {
    return async (exchange) => {
        state.counters.identityRequests++;
        const fail = (status: number, message: string): void => {
            exchange.sendJson(status, { statusCode: status, message, correlationId: randomUUID() });
        };
        if (exchange.url.pathname !== '/msi/token') {
            exchange.send(404, '', {});
            return;
        }
        if (exchange.req.method !== 'GET') {
            fail(405, 'The requested method is not supported.');
            return;
        }
        const secret = exchange.header('x-identity-header');
        if (secret === undefined) {
            fail(400, "The required 'X-IDENTITY-HEADER' header is missing.");
            return;
        }
        if (secret !== state.identityHeader) {
            fail(401, "The 'X-IDENTITY-HEADER' header value is not valid.");
            return;
        }
        const query = exchange.url.searchParams;
        const apiVersion = query.get('api-version');
        if (apiVersion !== '2019-08-01') {
            fail(400, `The api-version '${apiVersion ?? ''}' could not be found. Supported: 2019-08-01.`);
            return;
        }
        const scope = query.get('scope');
        const requested = query.get('resource') ?? (scope?.endsWith('/.default') ? scope.slice(0, -'/.default'.length) : scope);
        if (requested === null || requested === '') {
            fail(400, "The 'resource' query parameter is required.");
            return;
        }
        const resource = requested.replace(/\/$/, '');
        if (!RESOURCES.includes(resource)) {
            fail(
                400,
                `AADSTS500011: The resource principal named ${requested} was not found in the tenant named ${state.tenantDomain}. The sandbox managed identities get tokens for ${RESOURCES.join(', ')} only.`,
            );
            return;
        }
        // No id asked for: the app's system-assigned identity. A user-assigned one is picked by any of its ids.
        let userAssigned = false;
        for (const key of IDENTITY_QUERY_KEYS) {
            const id = query.get(key);
            if (id === null) continue;
            if (id === state.userAssignedClientId || id === state.userAssignedObjectId) userAssigned = true;
            else if (id !== state.managedIdentityClientId && id !== state.managedIdentityObjectId) {
                fail(400, 'Unable to load the proper Managed Identity.');
                return;
            }
        }
        const [appId, objectId, mirid] = userAssigned
            ? [
                  state.userAssignedClientId,
                  state.userAssignedObjectId,
                  `${RESOURCE_GROUP}/Microsoft.ManagedIdentity/userAssignedIdentities/id-sandbox`,
              ]
            : [state.managedIdentityClientId, state.managedIdentityObjectId, `${RESOURCE_GROUP}/Microsoft.Web/sites/func-sandbox`];
        const issued = await state.issuer.issue({
            // Tokens for federation are v2 tokens of the tenant's authority: the issuer federated credentials name.
            ...(resource === FEDERATION_AUDIENCE ? { issuer: `${state.origins.entra}/${state.tenantId}/v2.0` } : {}),
            audience: resource,
            appId,
            objectId,
            lifetimeSeconds: state.identityTokenLifetimeSeconds,
            extraClaims: { xms_mirid: mirid },
        });
        exchange.sendJson(200, {
            access_token: issued.token,
            expires_on: String(issued.expiresOn),
            resource: requested,
            token_type: 'Bearer',
            client_id: appId,
        });
    };
}
