// User-assigned managed identity of the function app. It is used for host storage, the deployment
// container, the export container, Application Insights ingestion and reading the Graph client secret
// from Key Vault. Its client id becomes AZURE_CLIENT_ID (and the `__clientId` settings) in the app.

@description('Name of the user-assigned managed identity.')
param name string

@description('Location of the identity.')
param location string

@description('Tags applied to the identity.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output name string = identity.name
output resourceId string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
