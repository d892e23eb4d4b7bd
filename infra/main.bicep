// Entry point for `azd provision` / `azd up`: a resource group with the function app (Flex Consumption,
// Node 22), its user-assigned managed identity, storage, monitoring, role assignments and, when the app
// authenticates with a secret or a certificate (GRAPH_CREDENTIAL), the Key Vault that holds it.
// The Microsoft Graph app registration and its credential (client secret, Key Vault certificate or the
// managed identity as a federated credential) are made by scripts/postprovision/graph-app.sh: Bicep
// cannot create client secrets, and the Graph Bicep extension needs a registry this build has not.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; used for the resource group name and a unique resource token.')
param environmentName string

@minLength(1)
@description('Location of all resources (a region that offers Flex Consumption).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the principal running azd (AZURE_PRINCIPAL_ID). Empty: no role assignment for it.')
param principalId string = ''

@description('Type of principalId: "User" for `azd up` from a workstation, "ServicePrincipal" from a pipeline.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('true: grant principalId the vault role the post-provision script needs to write the credential (Key Vault Secrets Officer for keyVaultSecret, Key Vault Certificates Officer for keyVaultCertificate). false (pipelines): Key Vault Reader only, enough to check the credential exists, never to read or write it.')
param grantDeployerVaultOfficer bool = true

@description('Optional resource group name; default rg-<environmentName>.')
param resourceGroupName string = ''

// ---- Function app sizing ----
@description('Flex Consumption instance memory in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Flex Consumption maximum instance count (1 or more: a low cap bounds Graph load and cost).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

// ---- Key Vault ----
@description('Public network access to Key Vault. "Disabled" requires private networking (not part of this template) for the app and the post-provision script.')
@allowed([
  'Enabled'
  'Disabled'
])
param keyVaultPublicNetworkAccess string = 'Enabled'

@description('Key Vault soft-delete retention in days (purge protection is always enabled).')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90

// ---- App settings (src/config/settingDefinitions.ts) ----
@description('GRAPH_TENANT_ID: tenant whose users are read. Default: the deployment tenant.')
param graphTenantId string = tenant().tenantId

@description('GRAPH_CLIENT_ID: application (client) id of the app registration. Empty at the first provision; the post-provision hook creates the registration and stores the id in the azd environment.')
param graphClientId string = ''

@description('GRAPH_CREDENTIAL: how the app authenticates to Entra ID. managedIdentity (no secret anywhere) is recommended where tenant policy allows it.')
@allowed([
  'keyVaultSecret'
  'keyVaultCertificate'
  'managedIdentity'
])
param graphCredentialType string = 'keyVaultSecret'

@description('GRAPH_CLIENT_SECRET_NAME: name of the Key Vault secret that holds the client secret (a name, not a secret).')
param graphClientSecretName string = 'graph-client-secret'

@description('GRAPH_CLIENT_CERTIFICATE_NAME: name of the Key Vault certificate used in keyVaultCertificate mode.')
param graphClientCertificateName string = 'graph-client-certificate'

@description('AUTHORITY_HOST: Entra ID authority host. Default: the login endpoint of the current cloud (https://login.microsoftonline.com in the global cloud).')
param authorityHost string = 'https://${split(environment().authentication.loginEndpoint, '/')[2]}'

@description('GRAPH_ENDPOINT: Microsoft Graph base URL. Empty: the Graph of the current cloud (global, US Government L4, China); set it for US Government DoD (https://dod-graph.microsoft.us). Must belong to the cloud of AUTHORITY_HOST.')
param graphEndpoint string = ''

@description('SECRET_CACHE_TTL_SECONDS: how long the client secret read from Key Vault is reused.')
@minValue(1)
param secretCacheTtlSeconds int = 300

@description('USERS_EXPORT_SCHEDULE: six-field NCRONTAB schedule of the export timer.')
param usersExportSchedule string = '0 0 */6 * * *'

@description('USERS_EXPORT_CONTAINER: blob container that receives the export.')
@minLength(3)
@maxLength(63)
param usersExportContainerName string = 'users-export'

@description('USERS_EXPORT_SELECT: comma list of user properties written per snapshot line.')
param usersExportSelect string = 'id,userPrincipalName,displayName,givenName,surname,mail,jobTitle,department,officeLocation,accountEnabled,createdDateTime'

@description('USERS_EXPORT_RETENTION_DAYS: snapshots older than this are deleted.')
@minValue(1)
param usersExportRetentionDays int = 30

@description('USERS_EXPORT_GZIP: write gzip snapshots.')
param usersExportGzip bool = false

@description('USERS_EXPORT_FULL_EVERY_DAYS: runs read only the changes (Graph delta query); at least this often a run re-reads the whole directory.')
@minValue(1)
param usersExportFullEveryDays int = 7

@description('API_AUDIENCE: audiences of caller tokens, the API app registration\'s client id and App ID URI. Empty at the first provision; the post-provision hook creates the API registration and stores the value in the azd environment, so later provisions keep it. Empty: the function key alone guards the API.')
param apiAudience string = ''

@description('API_REQUIRED_ROLE: the app role a caller token must carry.')
param apiRequiredRole string = 'Users.Read.All'

// azd (bicep_provider.go loadParameters) omits a parameter whose ${VAR} is unset, but passes '' for a
// variable that is set and empty (e.g. a CI variable that was never filled): fall back to the defaults
// explicitly so an empty value never reaches an app setting.
var effectiveGraphTenantId = empty(graphTenantId) ? tenant().tenantId : graphTenantId
var effectiveGraphClientSecretName = empty(graphClientSecretName) ? 'graph-client-secret' : graphClientSecretName
var effectiveGraphCredential = empty(graphCredentialType) ? 'keyVaultSecret' : graphCredentialType
var effectiveGraphClientCertificateName = empty(graphClientCertificateName) ? 'graph-client-certificate' : graphClientCertificateName
var effectiveAuthorityHost = empty(authorityHost)
  ? 'https://${split(environment().authentication.loginEndpoint, '/')[2]}'
  : authorityHost

// Microsoft Graph per cloud (learn.microsoft.com/graph/deployments, "Microsoft Graph and Graph Explorer
// service root endpoints"), keyed by environment().name. A cloud missing here fails the deployment
// rather than silently pairing its authority with the global Graph (the token would be refused).
var graphEndpointByCloud = {
  AzureCloud: 'https://graph.microsoft.com'
  AzureUSGovernment: 'https://graph.microsoft.us'
  AzureChinaCloud: 'https://microsoftgraph.chinacloudapi.cn'
}
// Which Graph hosts each Entra ID authority host issues tokens for (same page, "Microsoft Entra ID").
var graphHostsByAuthorityHost = {
  #disable-next-line no-hardcoded-env-urls // a table of every cloud: environment() only describes the current one
  'login.microsoftonline.com': ['graph.microsoft.com']
  'login.microsoftonline.us': ['graph.microsoft.us', 'dod-graph.microsoft.us']
  'login.chinacloudapi.cn': ['microsoftgraph.chinacloudapi.cn']
}
// The lookup sits inside the if(): ARM evaluates only the branch it takes ("Logical functions for ARM
// templates", if) and Bicep's fail() is meant for such short-circuits, so an explicit GRAPH_ENDPOINT works
// in any cloud and only a missing default fails.
var requestedGraphEndpoint = empty(graphEndpoint)
  ? graphEndpointByCloud[?environment().name] ?? fail('No Microsoft Graph endpoint is known for cloud \'${environment().name}\': set GRAPH_ENDPOINT (azd env set GRAPH_ENDPOINT https://...).')
  : graphEndpoint
var requestedGraphHost = split(requestedGraphEndpoint, '/')[2]
// A known authority host must be paired with its own cloud's Graph; other hosts (private clouds) are not checked.
var effectiveGraphEndpoint = contains(
    graphHostsByAuthorityHost[?split(effectiveAuthorityHost, '/')[2]] ?? [requestedGraphHost],
    requestedGraphHost
  )
  ? requestedGraphEndpoint
  : fail('GRAPH_ENDPOINT ${requestedGraphEndpoint} is not the Microsoft Graph of AUTHORITY_HOST ${effectiveAuthorityHost}: tokens from one cloud are refused by another cloud\'s Graph (see docs/national-clouds.md).')
// managedIdentity needs no vault: no secret, certificate or vault role exists in that mode.
var usesKeyVault = effectiveGraphCredential != 'managedIdentity'
var effectiveApiRequiredRole = empty(apiRequiredRole) ? 'Users.Read.All' : apiRequiredRole

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = 'func-api-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'core/security/userAssignedIdentity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-api-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'core/storage/storageAccount.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    exportContainerName: usersExportContainerName
  }
}

module monitoring 'core/monitor/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module keyVault 'core/security/keyVault.bicep' = if (usesKeyVault) {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    publicNetworkAccess: keyVaultPublicNetworkAccess
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
  }
}

module plan 'core/host/flexConsumptionPlan.bicep' = {
  name: 'plan'
  scope: rg
  params: {
    name: 'plan-${resourceToken}'
    location: location
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    managedIdentityPrincipalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    exportContainerName: storage.outputs.exportContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

module keyVaultRbac 'app/keyVaultRbac.bicep' = if (usesKeyVault) {
  name: 'keyvault-rbac'
  scope: rg
  params: {
    keyVaultName: keyVault.?outputs.name ?? ''
    graphCredentialType: effectiveGraphCredential
    managedIdentityPrincipalId: identity.outputs.principalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    grantDeployerVaultOfficer: grantDeployerVaultOfficer
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    location: location
    tags: tags
    serviceName: 'api'
    appServicePlanId: plan.outputs.resourceId
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    runtimeVersion: '22'
    graphTenantId: effectiveGraphTenantId
    graphClientId: graphClientId
    keyVaultUri: keyVault.?outputs.vaultUri ?? ''
    graphCredentialType: effectiveGraphCredential
    graphClientSecretName: effectiveGraphClientSecretName
    graphClientCertificateName: effectiveGraphClientCertificateName
    authorityHost: effectiveAuthorityHost
    graphEndpoint: effectiveGraphEndpoint
    secretCacheTtlSeconds: secretCacheTtlSeconds
    usersExportSchedule: usersExportSchedule
    usersExportContainerName: storage.outputs.exportContainerName
    usersExportSelect: usersExportSelect
    usersExportRetentionDays: usersExportRetentionDays
    usersExportGzip: usersExportGzip
    usersExportFullEveryDays: usersExportFullEveryDays
    apiAudience: apiAudience
    apiRequiredRole: effectiveApiRequiredRole
  }
  // The host and the deployment need their storage roles, and the app its vault role, before it starts.
  dependsOn: [
    rbac
    keyVaultRbac
  ]
}

// ---- Outputs (stored by azd in .azure/<env>/.env; read by scripts/postprovision) ----
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = 'https://${api.outputs.defaultHostName}'
// Not named AZURE_CLIENT_ID: azd exports outputs into hook environments, where AZURE_CLIENT_ID would
// steer the deployer's own @azure/identity / az tooling towards the managed identity.
output AZURE_MANAGED_IDENTITY_NAME string = identity.outputs.name
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
// Empty in managedIdentity mode (no vault).
output AZURE_KEY_VAULT_NAME string = keyVault.?outputs.name ?? ''
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.?outputs.vaultUri ?? ''
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output GRAPH_TENANT_ID string = effectiveGraphTenantId
output GRAPH_CLIENT_SECRET_NAME string = effectiveGraphClientSecretName
output GRAPH_CLIENT_CERTIFICATE_NAME string = effectiveGraphClientCertificateName
output AUTHORITY_HOST string = effectiveAuthorityHost
output GRAPH_ENDPOINT string = effectiveGraphEndpoint
output USERS_EXPORT_CONTAINER string = storage.outputs.exportContainerName
