/**
 * The audience a managed identity's token must carry to be accepted as a federated credential, by cloud.
 * Learn: "Configure an application to trust a managed identity" (workload-identity-federation-config-app-trust-managed-identity):
 * api://AzureADTokenExchange in the global cloud, ...USGov in Azure US Government, ...China in Azure operated by 21Vianet.
 */
const GLOBAL = 'api://AzureADTokenExchange';

/** Login hosts of the two national clouds with their own audience; the aliases are msal-common's (AuthorityMetadata.ts). */
const AUDIENCE_BY_HOST: Readonly<Record<string, string>> = {
    'login.microsoftonline.us': 'api://AzureADTokenExchangeUSGov',
    'login.usgovcloudapi.net': 'api://AzureADTokenExchangeUSGov',
    'login.chinacloudapi.cn': 'api://AzureADTokenExchangeChina',
    'login.partner.microsoftonline.cn': 'api://AzureADTokenExchangeChina',
};

/** Derives the federation audience from AUTHORITY_HOST; any other host (global cloud, sandbox) gets the global one. */
export function federationAudience(authorityHost: string): string {
    return AUDIENCE_BY_HOST[new URL(authorityHost).hostname.toLowerCase()] ?? GLOBAL;
}
