import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { KEY_VAULT_RESOURCE } from './SandboxState.js';
import type { SandboxState } from './SandboxState.js';
import type { ServiceExchange } from './ServiceServer.js';
import type { SecretVersion } from './VaultStore.js';

const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const INJECTED_ERRORS: Readonly<Record<number, { code: string; message: string }>> = {
    429: { code: 'Throttled', message: 'Request was not allowed because of throttling.' },
    500: { code: 'InternalServerError', message: 'An unexpected error occurred.' },
    502: { code: 'BadGateway', message: 'The service is temporarily unreachable.' },
    503: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable.' },
    504: { code: 'GatewayTimeout', message: 'The operation timed out.' },
};

/** Key Vault secrets stand-in: challenge-based bearer auth, RBAC switch, get/set of secret versions, the versions' list. */
export function createKeyVaultHandler(state: SandboxState): (exchange: ServiceExchange) => Promise<void> {
    return async (exchange) => {
        state.counters.keyVaultRequests++;
        if (state.faults.keyVault.latencyMs > 0) await sleep(state.faults.keyVault.latencyMs);
        const requestId = randomUUID();
        const headers = {
            'cache-control': 'no-cache',
            'x-ms-request-id': requestId,
            'x-ms-keyvault-service-version': '1.9.2202.1',
            'x-ms-keyvault-region': 'westeurope',
        };
        const fail = (status: number, error: Record<string, unknown>, extra: Record<string, string> = {}): void => {
            exchange.sendJson(status, { error }, { ...headers, ...extra });
        };

        const injected = state.faults.keyVault.failures.take();
        if (injected !== undefined) {
            const shape = INJECTED_ERRORS[injected] ?? { code: 'InternalServerError', message: 'An unexpected error occurred.' };
            fail(injected, shape, injected === 429 ? { 'retry-after': '1' } : {});
            return;
        }

        const challenge = `Bearer authorization="${state.origins.entra}/${state.tenantId}", resource="${KEY_VAULT_RESOURCE}"`;
        const check = await state.issuer.verify(exchange.header('authorization'), KEY_VAULT_RESOURCE);
        if (!check.ok) {
            const message = {
                missing: 'AKV10000: Request is missing a Bearer or PoP token.',
                expired: 'AKV10022: Invalid audience or token expired.',
                audience: `AKV10022: Invalid audience. Expected ${KEY_VAULT_RESOURCE}.`,
                invalid: 'AKV10032: Invalid issuer or signature.',
            }[check.reason];
            fail(401, { code: 'Unauthorized', message }, { 'www-authenticate': challenge });
            return;
        }

        const match = /^\/secrets\/([^/]+)(?:\/([^/]*))?$/.exec(exchange.url.pathname);
        if (match === null) {
            fail(404, { code: 'NotFound', message: 'The requested resource was not found.' });
            return;
        }
        const name = decodeSegment(match[1]);
        const version = match[2] === undefined || match[2] === '' ? undefined : decodeSegment(match[2]);
        const method = exchange.req.method ?? '';
        // GET /secrets/{name}/versions: the versions' metadata, no values (a version id is 32 hex characters).
        const listing = method === 'GET' && version === 'versions';
        if (method !== 'GET' && !(method === 'PUT' && version === undefined)) {
            fail(405, { code: 'BadParameter', message: `The HTTP method '${method}' is not supported for this resource.` });
            return;
        }

        const claims = check.claims;
        const action = listing ? 'readMetadata' : method === 'GET' ? 'getSecret' : 'setSecret';
        if (!state.keyVaultAccess || (claims.oid !== state.managedIdentityObjectId && claims.oid !== state.userAssignedObjectId)) {
            fail(403, {
                code: 'Forbidden',
                message:
                    `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n` +
                    `Caller: appid=${String(claims.appid)};oid=${String(claims.oid)};iss=${String(claims.iss)}\r\n` +
                    `Action: 'Microsoft.KeyVault/vaults/secrets/${action}/action'\r\n` +
                    `Resource: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg-sandbox/providers/microsoft.keyvault/vaults/kv-sandbox/secrets/${name ?? ''}'\r\n` +
                    `Assignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: null \r\nVault: kv-sandbox;location=westeurope\r\n`,
                innererror: { code: 'ForbiddenByRbac' },
            });
            return;
        }
        if (!exchange.url.searchParams.get('api-version')) {
            fail(400, { code: 'BadParameter', message: 'The api-version query parameter is missing.' });
            return;
        }
        if (name === undefined || !SECRET_NAME.test(name)) {
            fail(400, {
                code: 'BadParameter',
                message:
                    'The request URI contains an invalid name: secret names may only contain alphanumeric characters and dashes and be 1-127 characters long.',
            });
            return;
        }
        const item = (secret: SecretVersion): Record<string, unknown> => ({
            ...(secret.contentType !== undefined ? { contentType: secret.contentType } : {}),
            id: `${state.origins.keyVault}/secrets/${name}/${secret.version}`,
            // A certificate's secret is managed by the certificate.
            ...(secret.managed ? { managed: true } : {}),
            attributes: {
                enabled: secret.enabled,
                created: secret.created,
                updated: secret.updated,
                recoveryLevel: 'Recoverable+Purgeable',
                recoverableDays: 90,
            },
            tags: secret.tags,
        });
        // A secret bundle names the certificate's key too.
        const bundle = (secret: SecretVersion): Record<string, unknown> => ({
            value: secret.value,
            ...item(secret),
            ...(secret.managed ? { kid: `${state.origins.keyVault}/keys/${name}/${secret.version}` } : {}),
        });

        if (listing) {
            const versions = state.vault.versions(name);
            if (typeof versions === 'string') {
                fail(404, { code: 'SecretNotFound', message: `A secret with (name/id) ${name} was not found in this key vault.` });
                return;
            }
            const pageSize = Math.min(25, Math.max(1, Number(exchange.url.searchParams.get('maxresults') ?? 25) || 25));
            const offset = Math.max(0, Number(exchange.url.searchParams.get('$skiptoken') ?? 0) || 0);
            // Key Vault promises no order: these come by version id, so a client must sort by `created` itself.
            const ordered = [...versions].sort((a, b) => a.version.localeCompare(b.version));
            const next = offset + pageSize < ordered.length ? offset + pageSize : undefined;
            const nextLink =
                next === undefined
                    ? null
                    : `${state.origins.keyVault}/secrets/${name}/versions?api-version=${exchange.url.searchParams.get('api-version') ?? ''}&$skiptoken=${next}&maxresults=${pageSize}`;
            exchange.sendJson(200, { value: ordered.slice(offset, offset + pageSize).map(item), nextLink }, headers);
            return;
        }

        if (method === 'PUT') {
            const body = parseSetSecretBody(await exchange.readBody());
            if (body === undefined) {
                fail(400, { code: 'BadParameter', message: 'Property value is required.' });
                return;
            }
            const created = state.vault.set(name, body.value, body.contentType, body.tags);
            if (created === undefined) {
                fail(409, {
                    code: 'Conflict',
                    message: `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
                    innererror: { code: 'ObjectIsDeletedButRecoverable' },
                });
                return;
            }
            exchange.sendJson(200, bundle(created), headers);
            return;
        }

        const found = state.vault.get(name, version);
        if (found.kind !== 'found') {
            const id = version === undefined ? name : `${name}/${version}`;
            fail(404, {
                code: 'SecretNotFound',
                message: `A secret with (name/id) ${id} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
            });
            return;
        }
        if (!found.secret.enabled) {
            fail(403, {
                code: 'Forbidden',
                message: 'Operation get is not allowed on a disabled secret.',
                innererror: { code: 'SecretDisabled' },
            });
            return;
        }
        state.counters.keyVaultSecretReads++;
        exchange.sendJson(200, bundle(found.secret), headers);
    };
}

function decodeSegment(segment: string | undefined): string | undefined {
    if (segment === undefined) return undefined;
    try {
        return decodeURIComponent(segment);
    } catch {
        return undefined;
    }
}

function parseSetSecretBody(
    raw: string | undefined,
): { value: string; contentType: string | undefined; tags: Record<string, string> } | undefined {
    if (raw === undefined) return undefined;
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        return undefined;
    }
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { value, contentType, tags } = parsed as Record<string, unknown>;
    if (typeof value !== 'string') return undefined;
    const cleanTags: Record<string, string> = {};
    if (typeof tags === 'object' && tags !== null) {
        for (const [k, v] of Object.entries(tags)) if (typeof v === 'string') cleanTags[k] = v;
    }
    return { value, contentType: typeof contentType === 'string' ? contentType : undefined, tags: cleanTags };
}
