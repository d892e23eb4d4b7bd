import { ConfidentialClientApplication } from '@azure/msal-node';
import type { Sandbox } from '../../sandbox/index.js';

/** A fresh MSAL client against the Entra stand-in, configured the way the app must configure it. */
export function sandboxMsalClient(sandbox: Sandbox, clientSecret = sandbox.clientSecret): ConfidentialClientApplication {
    const authorityHost = sandbox.settings.AUTHORITY_HOST ?? '';
    return new ConfidentialClientApplication({
        auth: {
            clientId: sandbox.clientId,
            clientSecret,
            authority: `${authorityHost}/${sandbox.tenantId}`,
            knownAuthorities: [new URL(authorityHost).host],
        },
    });
}

/** Gets a Graph token through real MSAL (OIDC discovery + client credentials). */
export async function acquireGraphToken(sandbox: Sandbox): Promise<string> {
    const result = await sandboxMsalClient(sandbox).acquireTokenByClientCredential({
        scopes: [`${sandbox.settings.GRAPH_ENDPOINT ?? ''}/.default`],
    });
    if (result === null) throw new Error('MSAL returned no token');
    return result.accessToken;
}
