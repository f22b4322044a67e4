// Hookbook on Azure: a Function App on the Flex Consumption plan (FC1, Node 20, Linux), its storage
// account (queues and tables of the job core, the deployment container), Application Insights over a
// Log Analytics workspace, and a user-assigned managed identity that reaches storage with RBAC: no
// account keys anywhere (AzureWebJobsStorage__accountName, shared key access off).
//
// NOT COMPILED HERE: no Bicep compiler can be installed on the machines this was written on. Run
// `az bicep build --file infra/main.bicep` (or `az deployment group what-if`) before the first deploy;
// see docs/deploy.md. test/unit/infra.test.ts checks names, settings and role ids in this text.

targetScope = 'resourceGroup'

@description('Base name: resources are <name>-<suffix>; the storage account is <name><suffix> without dashes.')
@minLength(3)
@maxLength(16)
param name string = 'hookbook'

@description('Azure region; defaults to the resource group\'s.')
param location string = resourceGroup().location

@description('Key that encrypts secret job parameters at rest (HOOKBOOK_ENCRYPTION_KEY), e.g. `openssl rand -base64 32`. Changing it makes queued jobs with secret parameters fail.')
@secure()
@minLength(32)
param encryptionKey string

@description('Optional `<keyId>:<secret>`: an admin API key ensured at start (HOOKBOOK_BOOTSTRAP_KEY). Leave empty and create keys with an existing admin key.')
@secure()
param bootstrapKey string = ''

@description('Prefix of repository runbook names (HOOKBOOK_RUNBOOK_PREFIX).')
param runbookPrefix string = 'rjgit-'

@description('How long RealmJoin `run` waits before answering 202 (s); below the front end\'s 230 s cut.')
@maxValue(225)
param runWaitSeconds int = 220

@description('Job retention in days (HOOKBOOK_RETENTION_DAYS).')
param retentionDays int = 30

@description('Flex Consumption: largest number of instances.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Flex Consumption: memory per instance (MB).')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Log Analytics retention (days).')
param logRetentionDays int = 30

var suffix = uniqueString(resourceGroup().id, name)
var storageAccountName = take(toLower(replace('${name}${suffix}', '-', '')), 24)
var functionAppName = '${name}-${suffix}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}'
var publicUrl = 'https://${functionAppName}.azurewebsites.net'

// Built-in role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// The job core's queues and tables (shared/store/*: jobQueue, jobStore, streamStore, runbookStore,
// keyStore, webhookStore, dedupeStore, schedules, health). The app also creates them if missing.
var queueNames = [
  'jobs'
  'jobs-poison'
  'hookbook-health'
]
var tableNames = [
  'jobs'
  'jobparams'
  'streams'
  'runbooks'
  'keys'
  'webhooks'
  'schedules'
  'dedupe'
  'slots'
  'health'
]

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${name}-id-${suffix}'
  location: location
}

resource logs 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: '${name}-logs-${suffix}'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: logRetentionDays
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${name}-ai-${suffix}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true // telemetry only with Entra ID (the identity below)
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [
  for q in queueNames: {
    parent: queueService
    name: q
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [
  for t in tableNames: {
    parent: tableService
    name: t
  }
]

// The identity's data-plane roles on the storage account (the Functions host's own blob leases and
// deployment package, the job queue, the tables), and on Application Insights for Entra ID telemetry.
resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: insights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${name}-plan-${suffix}'
  location: location
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

var baseSettings = [
  // Storage by identity: the Functions host (triggers, leases) and Hookbook's own clients
  // (shared/store/clients.ts: DefaultAzureCredential, which picks the identity from AZURE_CLIENT_ID).
  { name: 'AzureWebJobsStorage__accountName', value: storage.name }
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
  { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.properties.clientId};Authorization=AAD' }
  { name: 'HOOKBOOK_PUBLIC_URL', value: publicUrl }
  { name: 'HOOKBOOK_ENCRYPTION_KEY', value: encryptionKey }
  { name: 'HOOKBOOK_RUNBOOK_PREFIX', value: runbookPrefix }
  { name: 'HOOKBOOK_RUN_WAIT_SECONDS', value: string(runWaitSeconds) }
  { name: 'HOOKBOOK_LEASE_SECONDS', value: '60' }
  { name: 'HOOKBOOK_RETENTION_DAYS', value: string(retentionDays) }
  { name: 'HOOKBOOK_SCHEDULER_CRON', value: '0 * * * * *' }
  { name: 'HOOKBOOK_SWEEPER_CRON', value: '15 * * * * *' }
  { name: 'HOOKBOOK_RETENTION_CRON', value: '0 17 * * * *' }
  { name: 'HOOKBOOK_FOLLOW_MAX_SECONDS', value: '200' }
]
var bootstrapSetting = empty(bootstrapKey) ? [] : [{ name: 'HOOKBOOK_BOOTSTRAP_KEY', value: bootstrapKey }]

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '20'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // Flex Consumption takes FUNCTIONS_WORKER_RUNTIME from functionAppConfig.runtime, not from here.
      appSettings: concat(baseSettings, bootstrapSetting)
    }
  }
  dependsOn: [
    blobOwner
    queueContributor
    tableContributor
    metricsPublisher
    deploymentContainer
    queues
    tables
  ]
}

output functionAppName string = app.name
output url string = publicUrl
output storageAccountName string = storage.name
output identityClientId string = identity.properties.clientId
output applicationInsightsName string = insights.name
