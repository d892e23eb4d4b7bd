/**
 * The audience a managed identity's token must carry to be accepted as a federated credential, by cloud.
 * Learn: "Configure an application to trust a managed identity" (workload-identity-federation-config-app-trust-managed-identity):
 * api://AzureADTokenExchange in the global cloud, ...USGov in Azure US Government, ...China in Azure operated by 21Vianet.
 */
const GLOBAL = 'api://AzureADTokenExchange';

/**
 * The login host of each national cloud with its own audience. One truth with the post-provision hook's
 * `federation_audience` (scripts/postprovision/lib/common.sh), which registers the federated credential, and
 * main.bicep's login hosts (graphHostsByAuthorityHost): test/infra/cloudEndpoints.test.ts reads all three.
 * Only the canonical hosts: with an alias (login.usgovcloudapi.net) the credential's issuer, `{AUTHORITY_HOST}/{tenant}/v2.0`,
 * would not be the one in the identity's tokens either.
 */
const AUDIENCE_BY_HOST: Readonly<Record<string, string>> = {
    'login.microsoftonline.us': 'api://AzureADTokenExchangeUSGov',
    'login.chinacloudapi.cn': 'api://AzureADTokenExchangeChina',
};

/** Derives the federation audience from AUTHORITY_HOST; any other host (global cloud, sandbox) gets the global one. */
export function federationAudience(authorityHost: string): string {
    return AUDIENCE_BY_HOST[new URL(authorityHost).hostname.toLowerCase()] ?? GLOBAL;
}
