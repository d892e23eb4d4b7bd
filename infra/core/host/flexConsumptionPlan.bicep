// Linux Flex Consumption (FC1) plan hosting the function app.

@description('Name of the App Service plan.')
param name string

@description('Location of the plan.')
param location string

@description('Tags applied to the plan.')
param tags object = {}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

output name string = plan.name
output resourceId string = plan.id
