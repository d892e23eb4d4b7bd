/**
 * Cold start (b), the floor: in a fresh process, the four calls the first request needs, made
 * with bare fetch: managed identity token, Key Vault secret, Graph token, first Graph page.
 */
import { report } from './report.js';

const env = process.env;
const setting = (name: string): string => {
    const value = env[name];
    if (value === undefined) throw new Error(`${name} is not set.`);
    return value;
};

async function timed<T>(call: () => Promise<T>): Promise<[T, number]> {
    const started = performance.now();
    const value = await call();
    return [value, performance.now() - started];
}

async function json(response: Response): Promise<Record<string, unknown>> {
    if (!response.ok) throw new Error(`${response.url} answered ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
}

const identityUrl = new URL(setting('IDENTITY_ENDPOINT'));
identityUrl.searchParams.set('api-version', '2019-08-01');
identityUrl.searchParams.set('resource', 'https://vault.azure.net');
const [identity, identityMs] = await timed(async () =>
    json(await fetch(identityUrl, { headers: { 'X-IDENTITY-HEADER': setting('IDENTITY_HEADER') } })),
);
const [secret, keyVaultMs] = await timed(async () =>
    json(
        await fetch(`${setting('KEY_VAULT_URL')}/secrets/${setting('GRAPH_CLIENT_SECRET_NAME')}?api-version=7.6`, {
            headers: { Authorization: `Bearer ${String(identity.access_token)}` },
        }),
    ),
);
const [token, tokenMs] = await timed(async () =>
    json(
        await fetch(`${setting('AUTHORITY_HOST')}/${setting('GRAPH_TENANT_ID')}/oauth2/v2.0/token`, {
            method: 'POST',
            body: new URLSearchParams({
                grant_type: 'client_credentials',
                client_id: setting('GRAPH_CLIENT_ID'),
                client_secret: String(secret.value),
                scope: `${setting('GRAPH_ENDPOINT')}/.default`,
            }),
        }),
    ),
);
const graphUrl = new URL(`${setting('GRAPH_ENDPOINT')}/v1.0/users`);
graphUrl.searchParams.set('$top', '100');
graphUrl.searchParams.set('$select', 'id,displayName,userPrincipalName,mail,jobTitle,accountEnabled');
const [, graphMs] = await timed(async () =>
    json(await fetch(graphUrl, { headers: { Authorization: `Bearer ${String(token.access_token)}`, Accept: 'application/json' } })),
);
report({ identityMs, keyVaultMs, tokenMs, graphMs, sumMs: identityMs + keyVaultMs + tokenMs + graphMs });
