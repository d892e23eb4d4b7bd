// The function app (Linux, Flex Consumption, Node 22) and its app settings.
//
// App settings: the names below are EXACTLY the `scope: 'azure'` entries of
// src/config/settingDefinitions.ts plus the Functions host settings (AzureWebJobsStorage__*,
// APPLICATIONINSIGHTS_*). test/infra asserts this. Nothing from the Flex Consumption deprecations table
// (site properties or app settings) may appear: test/infra/flexConsumption.test.ts.

@description('Name of the function app.')
param name string

@description('Location of the function app.')
param location string

@description('Tags applied to the function app (azd-service-name is added here).')
param tags object = {}

@description('azd service name (azure.yaml) used to find this app on `azd deploy`.')
param serviceName string = 'api'

@description('Resource id of the Flex Consumption plan.')
param appServicePlanId string

@description('Resource id of the user-assigned managed identity.')
param identityResourceId string

@description('Client id of the user-assigned managed identity.')
param identityClientId string

@description('Name of the storage account (host storage, deployment and export containers).')
param storageAccountName string

@description('Blob container of the deployment package.')
param deploymentContainerName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Maximum number of instances the app scales out to (Flex Consumption allows 1).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Node.js runtime version.')
param runtimeVersion string = '22'

// ---- values of the app's own settings (see settingDefinitions.ts) ----
@description('GRAPH_TENANT_ID: tenant whose users are read.')
param graphTenantId string

@description('GRAPH_CLIENT_ID: app registration (client) id; empty until the post-provision hook created it.')
param graphClientId string

@description('KEY_VAULT_URL: vault URI holding the credential; empty in managedIdentity mode (no vault).')
param keyVaultUri string

@description('GRAPH_CREDENTIAL: keyVaultSecret, keyVaultCertificate or managedIdentity.')
param graphCredentialType string

@description('GRAPH_CLIENT_SECRET_NAME: name of the Key Vault secret (the name, not the value).')
param graphClientSecretName string

@description('GRAPH_CLIENT_CERTIFICATE_NAME: name of the Key Vault certificate (the name, not the value).')
param graphClientCertificateName string

@description('AUTHORITY_HOST: Entra ID authority host.')
param authorityHost string

@description('GRAPH_ENDPOINT: Microsoft Graph base URL.')
param graphEndpoint string

@description('SECRET_CACHE_TTL_SECONDS')
param secretCacheTtlSeconds int

@description('USERS_EXPORT_SCHEDULE (six-field NCRONTAB).')
param usersExportSchedule string

@description('USERS_EXPORT_CONTAINER')
param usersExportContainerName string

@description('USERS_EXPORT_SELECT')
param usersExportSelect string

@description('USERS_EXPORT_RETENTION_DAYS')
param usersExportRetentionDays int

@description('USERS_EXPORT_GZIP')
param usersExportGzip bool

@description('USERS_EXPORT_FULL_EVERY_DAYS')
param usersExportFullEveryDays int

@description('API_AUDIENCE: audiences of caller tokens; empty until the post-provision hook created the API registration.')
param apiAudience string

@description('API_REQUIRED_ROLE: the app role a caller token must carry.')
param apiRequiredRole string

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: appServicePlanId
    httpsOnly: true
    clientCertEnabled: false
    publicNetworkAccess: 'Enabled'
    // Key Vault references are not used (the app reads the vault itself), but if one is ever added it
    // must resolve with the user-assigned identity, not a (non-existent) system-assigned one.
    keyVaultReferenceIdentity: identityResourceId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: runtimeVersion
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      // No ftpsState: Flex Consumption has no FTP endpoint and ARM rejects the property on Flex sites
      // (functions-app-settings "Flex Consumption plan deprecations"; Azure/azure-cli#31414).
      remoteDebuggingEnabled: false
      http20Enabled: true
    }
  }
}

// No basic (user name / password) publishing credentials: azd deploys with Microsoft Entra ID tokens.
resource ftpPublishingPolicy 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishingPolicy 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

// A literal object (no union()) so the compiled template lists every name and tests can compare it with
// settingDefinitions.ts. This resource REPLACES all app settings on each provision: GRAPH_CLIENT_ID comes
// from the azd environment, where the post-provision hook stores it.
resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: {
    // Functions host storage, identity-based (no connection string, no account key).
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
    AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
    // Application Insights with Microsoft Entra ID ingestion (local auth is disabled on the component).
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // V8 flags for the Node worker, measured by `npm run bench` (one source, shared with the bench and
    // local.settings.json.example): peak memory of an export stays flat whatever the directory size.
    languageWorkers__node__arguments: loadJsonContent('../../src/runtime/nodeWorkerSettings.json').languageWorkers__node__arguments
    // The app's own settings (src/config/settingDefinitions.ts, scope 'azure').
    GRAPH_TENANT_ID: graphTenantId
    GRAPH_CLIENT_ID: graphClientId
    GRAPH_CREDENTIAL: graphCredentialType
    KEY_VAULT_URL: keyVaultUri
    GRAPH_CLIENT_SECRET_NAME: graphClientSecretName
    GRAPH_CLIENT_CERTIFICATE_NAME: graphClientCertificateName
    AUTHORITY_HOST: authorityHost
    GRAPH_ENDPOINT: graphEndpoint
    AZURE_CLIENT_ID: identityClientId
    USERS_EXPORT_SCHEDULE: usersExportSchedule
    SECRET_CACHE_TTL_SECONDS: string(secretCacheTtlSeconds)
    USERS_EXPORT_STORAGE__blobServiceUri: storage.properties.primaryEndpoints.blob
    USERS_EXPORT_STORAGE__credential: 'managedidentity'
    USERS_EXPORT_STORAGE__clientId: identityClientId
    USERS_EXPORT_CONTAINER: usersExportContainerName
    USERS_EXPORT_SELECT: usersExportSelect
    USERS_EXPORT_RETENTION_DAYS: string(usersExportRetentionDays)
    USERS_EXPORT_GZIP: usersExportGzip ? 'true' : 'false'
    USERS_EXPORT_FULL_EVERY_DAYS: string(usersExportFullEveryDays)
    // Caller authorization: like GRAPH_CLIENT_ID, API_AUDIENCE comes from the azd environment, where the
    // post-provision hook stores it, so a provision never blanks it.
    API_AUDIENCE: apiAudience
    API_REQUIRED_ROLE: apiRequiredRole
  }
}

output name string = functionApp.name
output resourceId string = functionApp.id
output defaultHostName string = functionApp.properties.defaultHostName
