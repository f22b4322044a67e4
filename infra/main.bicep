// Hookbook on Azure: a Function App (Node 20, Linux) on the Flex Consumption plan, or, with
// hosting = 'container', in a custom container with PowerShell on a Linux App Service plan; its storage
// account (queues and tables of the job core, the deployment container), a Key Vault holding the
// service's secrets (the app reads them through Key Vault references), Application Insights over a
// Log Analytics workspace, and a user-assigned managed identity that reaches storage, the vault and the
// registry with RBAC: no account keys or registry passwords anywhere.
//
// Compiled and linted by test/unit/infra-bicep.test.ts (`bicep build`, `bicep lint`, with the Bicep CLI
// that `npm test` installs into .tools/bicep); test/unit/infra.test.ts holds the names, settings and
// role ids against what the code uses. What only a subscription can check: docs/deploy.md.

targetScope = 'resourceGroup'

@description('Base name (starts with a letter): resources are <name>-<kind>-<suffix>; the storage account, the key vault and the registry are <name><suffix> without dashes.')
@minLength(3)
@maxLength(16)
param name string = 'hookbook'

@description('Azure region; defaults to the resource group\'s.')
param location string = resourceGroup().location

@description('Key that seals secrets at rest (secret job parameters, signing secrets, encrypted assets), e.g. `openssl rand -base64 32`. Stored as a Key Vault secret; the app reads it as HOOKBOOK_ENCRYPTION_KEY through a Key Vault reference. Changing it makes everything sealed with the old key unreadable.')
@secure()
@minLength(32)
param encryptionKey string

@description('Optional `<keyId>:<secret>`: an admin API key ensured at start (HOOKBOOK_BOOTSTRAP_KEY, also a Key Vault reference). Leave empty and create keys with an existing admin key.')
@secure()
param bootstrapKey string = ''

@description('Where the app runs. `flex`: Flex Consumption (FC1), the Node image, which has no pwsh: pwsh runbooks need hybrid workers. `container`: a custom container with PowerShell (infra/container/Dockerfile) on a Linux App Service plan (`containerPlanSku`), pulled from a registry this template creates; cloud pwsh runbooks run there.')
@allowed([
  'flex'
  'container'
])
param hosting string = 'flex'

@description('hosting = container: the image to run, e.g. `myregistry.azurecr.io/hookbook:1.2.0`. Empty: `<the registry created here>/hookbook:latest` (push it with `az acr build`, docs/deploy.md).')
param containerImage string = ''

@description('hosting = container: the App Service plan size (Linux, always on, so timers and the queue worker run without an HTTP request).')
@allowed([
  'B1'
  'B2'
  'B3'
  'P0v3'
  'P1v3'
  'P2v3'
  'P3v3'
])
param containerPlanSku string = 'P1v3'

@description('hosting = container: number of plan instances (each runs the HTTP API, the queue worker and the timers).')
@minValue(1)
@maxValue(30)
param containerInstanceCount int = 1

@description('Key Vault purge protection: a deleted vault (and the encryption key in it) stays recoverable for 90 days and cannot be purged. Recommended: losing the key loses every sealed secret. Once on, it cannot be turned off.')
param keyVaultPurgeProtection bool = true

@description('Prefix of repository runbook names (HOOKBOOK_RUNBOOK_PREFIX).')
param runbookPrefix string = 'rjgit-'

@description('How long RealmJoin `run` waits before answering 202 (s); below the front end\'s 230 s cut.')
@maxValue(225)
param runWaitSeconds int = 220

@description('Job retention in days (HOOKBOOK_RETENTION_DAYS).')
param retentionDays int = 30

@description('hosting = flex: largest number of instances.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('hosting = flex: memory per instance (MB).')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Cloud job queues (HOOKBOOK_JOB_QUEUES): `jobs`, `jobs-1`, … `jobs-<n-1>`, each with its worker function and poison queue. One queue carries ~1,000 jobs/s (docs/deploy.md, "Several job queues").')
@minValue(1)
@maxValue(16)
param jobQueues int = 1

@description('Log Analytics retention (days).')
param logRetentionDays int = 30

var suffix = uniqueString(resourceGroup().id, name)
var flat = toLower(replace(name, '-', ''))
var storageAccountName = take('${flat}${suffix}', 24)
var keyVaultName = take('${flat}kv${suffix}', 24)
var registryName = take('${flat}cr${suffix}', 50)
var isFlex = hosting == 'flex'
var isContainer = hosting == 'container'
var functionAppName = '${name}-${suffix}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}'
var publicUrl = 'https://${functionAppName}.azurewebsites.net'

// Built-in role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
}

// The job core's queues and tables (shared/store/*: jobQueue, jobStore, streamStore, runbookStore,
// keyStore, webhookStore, dedupeStore, schedules, assetStore, health, workerStore, sourceControlStore, jobAliasStore,
// armScheduleStore, notifyTargetStore, auditStore). The app also creates them
// if missing; a hybrid worker group's queue (jobs-g-<group>) is created by the app on first use.
// The cloud job queues: `jobs`, then `jobs-<i>` (shared/store/jobQueue.ts, jobQueueName), each with its poison queue.
var jobQueueNames = [for i in range(0, jobQueues): i == 0 ? 'jobs' : 'jobs-${i}']
var queueNames = concat(jobQueueNames, map(jobQueueNames, q => '${q}-poison'), [
  'hookbook-health'
  'source-syncs'
  'notifications'
])
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
  'assets'
  'assetaudit'
  'health'
  'jobstats'
  'workers'
  'sourcecontrols'
  'sourcesyncs'
  'jobaliases'
  'armschedules'
  'notifytargets'
  'notifydeliveries'
  'audit'
]

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: '${name}-id-${suffix}'
  location: location
}

resource logs 'Microsoft.OperationalInsights/workspaces@2025-07-01' = {
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

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' = {
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

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobService
  name: deploymentContainerName
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = [
  for q in queueNames: {
    parent: queueService
    name: q
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-06-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-06-01' = [
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

// The service's secrets live in Key Vault; the app settings hold Key Vault references that the
// platform resolves with the identity (keyVaultReferenceIdentity below), so no secret value is
// stored in the site's configuration. RBAC mode: the identity reads exactly these secrets.
resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: keyVaultName
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // Only `true` or absent are accepted: false cannot be set once the vault exists.
    enablePurgeProtection: keyVaultPurgeProtection ? true : null
  }
}

resource encryptionKeySecret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = {
  parent: vault
  name: 'hookbook-encryption-key'
  properties: {
    value: encryptionKey
    contentType: 'HOOKBOOK_ENCRYPTION_KEY'
  }
}

resource bootstrapKeySecret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (!empty(bootstrapKey)) {
  parent: vault
  name: 'hookbook-bootstrap-key'
  properties: {
    value: bootstrapKey
    contentType: 'HOOKBOOK_BOOTSTRAP_KEY'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// hosting = container: a private registry for the image, pulled by the identity (AcrPull), no admin user.
resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = if (isContainer) {
  name: registryName
  location: location
  sku: {
    name: 'Basic'
  }
  properties: {
    adminUserEnabled: false
  }
}

resource registryPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (isContainer) {
  name: guid(resourceGroup().id, registryName, identity.id, roles.acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

var image = empty(containerImage) ? '${registryName}.azurecr.io/hookbook:latest' : containerImage

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: '${name}-plan-${suffix}'
  location: location
  kind: isFlex ? 'functionapp' : 'linux'
  sku: isFlex
    ? {
        name: 'FC1'
        tier: 'FlexConsumption'
      }
    : {
        name: containerPlanSku
        capacity: containerInstanceCount
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
  // Sealing key of secret parameters, signing secrets and assets: a Key Vault reference, resolved by
  // the platform with the identity (the latest version of the secret).
  { name: 'HOOKBOOK_ENCRYPTION_KEY', value: '@Microsoft.KeyVault(SecretUri=${encryptionKeySecret.properties.secretUri})' }
  { name: 'HOOKBOOK_RUNBOOK_PREFIX', value: runbookPrefix }
  { name: 'HOOKBOOK_RUN_WAIT_SECONDS', value: string(runWaitSeconds) }
  { name: 'HOOKBOOK_LEASE_SECONDS', value: '60' }
  { name: 'HOOKBOOK_RETENTION_DAYS', value: string(retentionDays) }
  { name: 'HOOKBOOK_SCHEDULER_CRON', value: '0 * * * * *' }
  { name: 'HOOKBOOK_SWEEPER_CRON', value: '15 * * * * *' }
  { name: 'HOOKBOOK_RETENTION_CRON', value: '0 17 * * * *' }
  { name: 'HOOKBOOK_SOURCE_SYNC_CRON', value: '0 */15 * * * *' }
  { name: 'HOOKBOOK_FOLLOW_MAX_SECONDS', value: '200' }
  { name: 'HOOKBOOK_JOB_QUEUES', value: string(jobQueues) }
]
// The secret's URI is built from names rather than read from the conditional resource, which may not exist.
var bootstrapSetting = empty(bootstrapKey)
  ? []
  : [{ name: 'HOOKBOOK_BOOTSTRAP_KEY', value: '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/hookbook-bootstrap-key)' }]
// A custom container is a classic Functions app: the runtime and the extension version are app
// settings there (Flex takes them from functionAppConfig and rejects them as settings). The code is in
// the image, so no App Service storage is mounted over it.
var containerSettings = isContainer
  ? [
      { name: 'FUNCTIONS_EXTENSION_VERSION', value: '~4' }
      { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'node' }
      { name: 'WEBSITES_ENABLE_APP_SERVICE_STORAGE', value: 'false' }
    ]
  : []

var flexConfig = {
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

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: functionAppName
  location: location
  kind: isFlex ? 'functionapp,linux' : 'functionapp,linux,container'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references are resolved with the user-assigned identity (not a system one; there is none).
    keyVaultReferenceIdentity: identity.id
    functionAppConfig: isFlex ? flexConfig : null
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // hosting = container: the image, pulled with the identity; always on, so the queue worker and
      // the timers run without waiting for an HTTP request.
      linuxFxVersion: isContainer ? 'DOCKER|${image}' : null
      acrUseManagedIdentityCreds: isContainer ? true : null
      acrUserManagedIdentityID: isContainer ? identity.properties.clientId : null
      alwaysOn: isContainer ? true : null
      // Flex Consumption takes FUNCTIONS_WORKER_RUNTIME from functionAppConfig.runtime, not from here.
      appSettings: concat(baseSettings, bootstrapSetting, containerSettings)
    }
  }
  dependsOn: [
    blobOwner
    queueContributor
    tableContributor
    metricsPublisher
    secretsUser
    bootstrapKeySecret
    registryPull
    deploymentContainer
    queues
    tables
  ]
}

output functionAppName string = app.name
output url string = publicUrl
output hosting string = hosting
output storageAccountName string = storage.name
output keyVaultName string = vault.name
output identityClientId string = identity.properties.clientId
output identityPrincipalId string = identity.properties.principalId
output applicationInsightsName string = insights.name
output containerRegistryName string = isContainer ? registryName : ''
output containerImage string = isContainer ? image : ''
