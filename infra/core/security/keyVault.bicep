// Key Vault that holds the Microsoft Graph client secret (written by scripts/postprovision, read by the
// function app's managed identity). Data-plane access is RBAC only (no access policies).

@description('Name of the Key Vault (3-24 characters).')
@minLength(3)
@maxLength(24)
param name string

@description('Location of the vault.')
param location string

@description('Tags applied to the vault.')
param tags object = {}

@description('Days a deleted vault or secret stays recoverable (soft delete). Purge protection is always on.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@description('Public network access to the vault data plane. "Disabled" needs private networking for both the function app and the post-provision script.')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Enabled'

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // Purge protection cannot be turned off once on; never write `false` here (omit instead).
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: publicNetworkAccess == 'Enabled' ? 'Allow' : 'Deny'
    }
  }
}

output name string = vault.name
output resourceId string = vault.id
output vaultUri string = vault.properties.vaultUri
