/** The `iss` values Entra ID gives access tokens of one tenant, by token version. */
export interface TokenIssuers {
    readonly v1: readonly string[];
    readonly v2: readonly string[];
}

/**
 * China's authority answers on two host names (MSAL's instance metadata lists them as aliases:
 * @azure/msal-common src/authority/AuthorityMetadata.ts), and its v2 tokens may name either.
 */
const CHINA_HOSTS = ['login.chinacloudapi.cn', 'login.partner.microsoftonline.cn'];

/**
 * v2.0 tokens: `{authority}/{tid}/v2.0` (learn.microsoft.com/entra/identity-platform/access-tokens,
 * "Validate the issuer"). v1.0 tokens: `https://sts.windows.net/{tid}/` in the global and US
 * Government clouds and `https://sts.chinacloudapi.cn/{tid}/` in the cloud operated by 21Vianet
 * (Microsoft Q&A 1190472, "token issuers for the sovereign clouds"; the v1 token sample on the
 * access-tokens page). Only these, for one tenant: never a pattern that matches any tenant.
 */
export function tokenIssuers(authorityHost: string, tenantId: string): TokenIssuers {
    const authority = new URL(authorityHost);
    const host = authority.host.toLowerCase();
    if (CHINA_HOSTS.includes(host)) {
        return {
            v1: [`https://sts.chinacloudapi.cn/${tenantId}/`],
            v2: CHINA_HOSTS.map((alias) => `https://${alias}/${tenantId}/v2.0`),
        };
    }
    return { v1: [`https://sts.windows.net/${tenantId}/`], v2: [`${authorityHost}/${tenantId}/v2.0`] };
}
