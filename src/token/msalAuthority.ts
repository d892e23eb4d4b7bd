/**
 * How MSAL is told about the authority, and how it will decide to trust it before it sends a credential there.
 *
 * - `knownAuthority`: loopback hosts, spelled exactly as listed, can only be a local emulator (the sandbox); MSAL
 *   cannot validate them by instance discovery, so they go in `knownAuthorities`.
 * - `builtInMetadata`: Microsoft's login hosts, which msal-common ships metadata for (AuthorityMetadata.ts,
 *   instanceDiscoveryMetadata; the list below is compared with it by test/unit/msalAuthority.test.ts). No
 *   discovery request; only the tenant's OpenID configuration is fetched.
 * - `instanceDiscovery`: any other host (a typo, a look-alike, another spelling of loopback). MSAL asks
 *   login.microsoftonline.com's instance discovery first and refuses the host when Entra ID does not know it
 *   (msal-common Authority.updateCloudDiscoveryMetadata throws untrusted_authority), before any credential is sent.
 */
export type AuthorityValidation = 'knownAuthority' | 'builtInMetadata' | 'instanceDiscovery';

export interface MsalAuthority {
    /** The parts of MSAL's `auth` options that name the authority and say whether to trust it unvalidated. */
    readonly options: { readonly authority: string; readonly knownAuthorities?: string[] };
    readonly validation: AuthorityValidation;
}

/** Exactly these spellings; `localhost.`, `127.1` spelled otherwise or a name that resolves to loopback are validated. */
const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** msal-common 16.x AuthorityMetadata.ts, instanceDiscoveryMetadata aliases (hosts with their default port). */
export const MSAL_BUILT_IN_HOSTS: ReadonlySet<string> = new Set([
    'login.microsoftonline.com',
    'login.windows.net',
    'login.microsoft.com',
    'sts.windows.net',
    'login.partner.microsoftonline.cn',
    'login.chinacloudapi.cn',
    'login.microsoftonline.de',
    'login.microsoftonline.us',
    'login.usgovcloudapi.net',
    'login-us.microsoftonline.com',
    'login.sovcloud-identity.fr',
    'login.sovcloud-identity.de',
    'login.sovcloud-identity.sg',
]);

export function msalAuthority(authorityHost: string, tenantId: string): MsalAuthority {
    const url = new URL(authorityHost);
    const authority = `${authorityHost.replace(/\/+$/, '')}/${tenantId}`;
    if (LOOPBACK_HOSTNAMES.has(url.hostname)) return { options: { authority, knownAuthorities: [url.host] }, validation: 'knownAuthority' };
    // MSAL compares host and port (Authority.hostnameAndPort): another port is not the built-in host.
    return { options: { authority }, validation: MSAL_BUILT_IN_HOSTS.has(url.host) ? 'builtInMetadata' : 'instanceDiscovery' };
}
