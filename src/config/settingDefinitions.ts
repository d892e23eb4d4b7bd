/**
 * The single source of truth for every setting the app reads. The README's settings table, the
 * Bicep app settings and `local.settings.json.example` are all tested against this list.
 */
export type SettingKind =
    | 'string'
    | 'connection-string'
    | 'https-url'
    | 'boolean'
    | 'positive-integer'
    | 'ncrontab'
    | 'select-list'
    | 'choice'
    | 'audience-list'
    | 'app-role';

/** `azure`: set by the Bicep app settings. `local`: only for local runs, emulators and the sandbox. */
export type SettingScope = 'azure' | 'local';

export interface SettingDefinition {
    readonly name: string;
    readonly kind: SettingKind;
    readonly required: boolean;
    /** Default used when the setting is unset or empty; absent means "no default". */
    readonly defaultValue?: string;
    /** `choice` settings: the accepted values, matched exactly. */
    readonly choices?: readonly string[];
    readonly scope: SettingScope;
    readonly description: string;
}

export const settingDefinitions = [
    {
        name: 'GRAPH_TENANT_ID',
        kind: 'string',
        required: true,
        scope: 'azure',
        description: 'Directory (tenant) id or verified domain of the Entra ID tenant to read.',
    },
    {
        name: 'GRAPH_CLIENT_ID',
        kind: 'string',
        required: true,
        scope: 'azure',
        description: "The app registration's application (client) id.",
    },
    {
        name: 'GRAPH_CREDENTIAL',
        kind: 'choice',
        required: false,
        defaultValue: 'keyVaultSecret',
        choices: ['keyVaultSecret', 'keyVaultCertificate', 'managedIdentity'],
        scope: 'azure',
        description:
            'How the app proves its identity to Entra ID: `keyVaultSecret` (client secret in Key Vault), `keyVaultCertificate` (certificate and key in Key Vault) or `managedIdentity` (the user-assigned identity as a federated credential; no secret anywhere).',
    },
    {
        name: 'KEY_VAULT_URL',
        kind: 'https-url',
        required: false,
        scope: 'azure',
        description:
            'Vault URI holding the client secret or certificate, e.g. `https://kv-x.vault.azure.net`. Must be https. Required when `GRAPH_CREDENTIAL` is `keyVaultSecret` or `keyVaultCertificate`; not read with `managedIdentity`.',
    },
    {
        name: 'GRAPH_CLIENT_SECRET_NAME',
        kind: 'string',
        required: false,
        defaultValue: 'graph-client-secret',
        scope: 'azure',
        description: 'Name of the Key Vault secret that holds the client secret.',
    },
    {
        name: 'GRAPH_CLIENT_CERTIFICATE_NAME',
        kind: 'string',
        required: false,
        defaultValue: 'graph-client-certificate',
        scope: 'azure',
        description: 'Name of the Key Vault certificate (with exportable key) used when `GRAPH_CREDENTIAL` is `keyVaultCertificate`.',
    },
    {
        name: 'AUTHORITY_HOST',
        kind: 'https-url',
        required: false,
        defaultValue: 'https://login.microsoftonline.com',
        scope: 'azure',
        description: 'Entra ID authority host (national clouds, sandbox). Must be https.',
    },
    {
        name: 'GRAPH_ENDPOINT',
        kind: 'https-url',
        required: false,
        defaultValue: 'https://graph.microsoft.com',
        scope: 'azure',
        description: 'Microsoft Graph base URL (national clouds, sandbox). Bearer tokens are only ever sent to this origin.',
    },
    {
        name: 'AZURE_CLIENT_ID',
        kind: 'string',
        required: false,
        scope: 'azure',
        description:
            'Client id of the user-assigned managed identity (standard @azure/identity variable): it reads Key Vault and, with `GRAPH_CREDENTIAL=managedIdentity`, is the federated credential the app registration trusts (required then: system-assigned identities cannot be federated credentials). Unset: system-assigned, Key Vault modes only.',
    },
    {
        name: 'KEY_VAULT_DISABLE_CHALLENGE_RESOURCE_VERIFICATION',
        kind: 'boolean',
        required: false,
        defaultValue: 'false',
        scope: 'local',
        description: 'Set `true` only for Key Vault emulators whose host is not `*.vault.azure.net`; never in Azure.',
    },
    {
        name: 'API_AUDIENCE',
        kind: 'audience-list',
        required: false,
        scope: 'azure',
        description:
            'Comma list of the audiences caller tokens may carry: the API app registration\'s client id and App ID URI (`<id>,api://<id>`). Set: every HTTP route needs `Authorization: Bearer <Entra ID access token>` and no function key. Unset: the function key alone (see "Who may call the API").',
    },
    {
        name: 'API_REQUIRED_ROLE',
        kind: 'app-role',
        required: false,
        defaultValue: 'Users.Read.All',
        scope: 'azure',
        description:
            "The app role a caller's token must carry in its `roles` claim (defined on the API app registration for applications and users).",
    },
    {
        name: 'USERS_EXPORT_SCHEDULE',
        kind: 'ncrontab',
        required: false,
        defaultValue: '0 0 */6 * * *',
        scope: 'azure',
        description: 'Six-field NCRONTAB schedule of the timer function (read by the Functions host).',
    },
    {
        name: 'SECRET_CACHE_TTL_SECONDS',
        kind: 'positive-integer',
        required: false,
        defaultValue: '300',
        scope: 'azure',
        description:
            'How long a client secret or certificate read from Key Vault is reused before it is read again (rotation pick-up time).',
    },
    {
        name: 'USERS_EXPORT_STORAGE',
        kind: 'connection-string',
        required: false,
        scope: 'local',
        description:
            'Connection string for the export storage when not using an identity (e.g. `UseDevelopmentStorage=true` for Azurite). Takes precedence over the `__` settings.',
    },
    {
        name: 'USERS_EXPORT_STORAGE__blobServiceUri',
        kind: 'https-url',
        required: false,
        scope: 'azure',
        description: 'Blob endpoint of the export storage account, used with the managed identity.',
    },
    {
        name: 'USERS_EXPORT_STORAGE__credential',
        kind: 'string',
        required: false,
        scope: 'azure',
        description: '`managedidentity` to authenticate the export storage with the managed identity.',
    },
    {
        name: 'USERS_EXPORT_STORAGE__clientId',
        kind: 'string',
        required: false,
        scope: 'azure',
        description: 'Client id of the user-assigned identity for the export storage. Unset: system-assigned.',
    },
    {
        name: 'USERS_EXPORT_CONTAINER',
        kind: 'string',
        required: false,
        defaultValue: 'users-export',
        scope: 'azure',
        description:
            'Blob container that receives snapshots and `latest.json`, and holds the page-token key ring (`keys/page-tokens.json`).',
    },
    {
        name: 'USERS_EXPORT_SELECT',
        kind: 'select-list',
        required: false,
        defaultValue:
            'id,userPrincipalName,displayName,givenName,surname,mail,jobTitle,department,officeLocation,accountEnabled,createdDateTime',
        scope: 'azure',
        description: 'Comma list of user properties written to each snapshot line (drawn from the allowlist).',
    },
    {
        name: 'USERS_EXPORT_RETENTION_DAYS',
        kind: 'positive-integer',
        required: false,
        defaultValue: '30',
        scope: 'azure',
        description: 'Snapshots older than this many days are deleted; the one `latest.json` names is always kept.',
    },
    {
        name: 'USERS_EXPORT_FULL_EVERY_DAYS',
        kind: 'positive-integer',
        required: false,
        defaultValue: '7',
        scope: 'azure',
        description:
            'Runs read only what changed since the last run (Graph delta query); at least every this many days a run re-reads the whole directory instead.',
    },
    {
        name: 'USERS_EXPORT_GZIP',
        kind: 'boolean',
        required: false,
        defaultValue: 'false',
        scope: 'azure',
        description: '`true` writes `.ndjson.gz` snapshots (gzip); the sha256 is over the stored bytes.',
    },
] as const satisfies readonly SettingDefinition[];

export type SettingName = (typeof settingDefinitions)[number]['name'];
