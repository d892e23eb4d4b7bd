// Key Vault role assignments, per GRAPH_CREDENTIAL mode. main.bicep deploys this module (and the vault)
// only in the two vault modes: in managedIdentity mode nothing secret exists, so nobody gets a vault role.
// Scope: the vault. A narrower scope (one secret or certificate) is not possible: the credential is
// created after provisioning by scripts/postprovision/graph-app.sh and gets new versions on rotation.
// Names are deterministic, guid(<vault id>, <principal id>, <role definition id>), so re-provisioning is
// idempotent and switching modes never collides with an earlier assignment.

@description('Name of the Key Vault holding the Graph credential.')
param keyVaultName string

// Not @allowed: ARM would still validate the value against the list when the module is skipped.
@description('GRAPH_CREDENTIAL: keyVaultSecret or keyVaultCertificate (this module is not deployed for managedIdentity).')
param graphCredentialType string

@description('Principal (object) id of the function app\'s user-assigned managed identity.')
param managedIdentityPrincipalId string

@description('Object id of the deploying principal (azd: AZURE_PRINCIPAL_ID). Empty: no role for it.')
param deployerPrincipalId string = ''

@description('Principal type of deployerPrincipalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param deployerPrincipalType string = 'User'

@description('true: the deployer may write the credential (the administrator running the hook). false: read its metadata only (a pipeline checking it).')
param grantDeployerVaultOfficer bool = true

// Built-in role definition ids (stable across all clouds and tenants).
var roleIds = {
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  keyVaultCertificatesOfficer: 'a4417e6f-fecd-4de8-b567-7b0420556985'
  keyVaultReader: '21090545-7ca7-4776-b22c-e363652d74d2'
}

var hasDeployer = !empty(deployerPrincipalId)

resource keyVault 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  name: keyVaultName
}

// The app reads its credential with GET {vault}/secrets/{name}, in both modes: a certificate's private key
// is only served as the secret of the same name. Secrets User = read secret values, nothing else.
resource identitySecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, managedIdentityPrincipalId, roleIds.keyVaultSecretsUser)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// keyVaultSecret: the hook writes the client secret (ensure, rotate-secret).
resource deployerSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (graphCredentialType == 'keyVaultSecret' && grantDeployerVaultOfficer && hasDeployer) {
  name: guid(keyVault.id, deployerPrincipalId, roleIds.keyVaultSecretsOfficer)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsOfficer)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

// keyVaultCertificate: the hook creates certificate versions inside the vault and reads their public part
// (ensure, rotate-certificate). It never needs the private key, so no secrets role.
resource deployerCertificatesOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (graphCredentialType == 'keyVaultCertificate' && grantDeployerVaultOfficer && hasDeployer) {
  name: guid(keyVault.id, deployerPrincipalId, roleIds.keyVaultCertificatesOfficer)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultCertificatesOfficer)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

// A pipeline (grantDeployerVaultOfficer false) only checks that the administrator's credential exists and
// is not expired: metadata, never values.
resource deployerReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!grantDeployerVaultOfficer && hasDeployer) {
  name: guid(keyVault.id, deployerPrincipalId, roleIds.keyVaultReader)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultReader)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}
