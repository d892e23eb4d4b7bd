// The storage and monitoring role assignments of the function app's identity (the Key Vault ones, which
// depend on GRAPH_CREDENTIAL, are in keyVaultRbac.bicep). Each at the narrowest scope that works, each
// with a deterministic name: guid(<scope id>, <principal id>, <role definition id>), so re-provisioning
// is idempotent and two assignments never collide.

@description('Principal (object) id of the function app\'s user-assigned managed identity.')
param managedIdentityPrincipalId string

@description('Name of the storage account (host storage, deployment container, export container).')
param storageAccountName string

@description('Name of the blob container that receives the users export.')
param exportContainerName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

// Built-in role definition ids (stable across all clouds and tenants).
var roleIds = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
}

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource exportContainer 'containers' existing = {
      name: exportContainerName
    }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// ---- Functions host storage (AzureWebJobsStorage__*) and the deployment package ----
// Scope: the storage ACCOUNT, as in the Flex Consumption templates. The host creates its own containers
// (azure-webjobs-hosts, azure-webjobs-secrets), takes blob leases for the timer trigger's singleton lock,
// and the platform reads the deployment package container; none of these can be narrowed to one
// container that exists at provision time. Blob Data Owner (not Contributor) is what the host documents
// for identity-based AzureWebJobsStorage.
resource hostBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, managedIdentityPrincipalId, roleIds.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataOwner)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Queues and tables: account scope (queue/table data roles cannot be scoped to a blob container, and the
// host names its queues/tables itself). Used by the host (e.g. blob-trigger receipts, scale, diagnostics).
resource hostQueueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, managedIdentityPrincipalId, roleIds.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageQueueDataContributor)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource hostTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, managedIdentityPrincipalId, roleIds.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataContributor)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// ---- Users export (USERS_EXPORT_STORAGE__*) ----
// Scope: the export CONTAINER only. The export writes snapshots and latest.json and deletes expired
// snapshots there, which Blob Data Contributor covers. While the export shares the host's account (and
// identity) the account-level Owner above is a superset; this assignment keeps the export's need explicit,
// so moving the export to its own account (or identity) stays least-privilege without further changes.
resource exportBlobDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::blobService::exportContainer.id, managedIdentityPrincipalId, roleIds.storageBlobDataContributor)
  scope: storage::blobService::exportContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataContributor)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// ---- Download links to snapshots (GET /api/users/export/latest/content) ----
// Scope: the storage ACCOUNT, the narrowest that works: Get User Delegation Key is an operation on the
// account (.../blobServices/generateUserDelegationKey/action), so a container-scoped role cannot grant
// it (learn.microsoft.com/rest/api/storageservices/get-user-delegation-key, "Authorization"). Delegator
// grants no data access itself, but the delegation key it yields carries the identity's own rights, which
// are account-wide (Blob Data Owner above): a link is bounded by its own scope (sp=r, sr=b, 5 minutes).
resource storageBlobDelegator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, managedIdentityPrincipalId, roleIds.storageBlobDelegator)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDelegator)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// ---- Application Insights ingestion with Entra ID (DisableLocalAuth) ----
// Scope: the Application Insights component only.
resource monitoringMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, managedIdentityPrincipalId, roleIds.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}
