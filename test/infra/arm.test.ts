import { readFileSync } from 'node:fs';
/**
 * Assertions on the compiled ARM template of infra/main.bicep (built once per process, shared): the
 * security settings, every role assignment, secrets hygiene, the runtime, and the app-settings name set
 * against src/config/settingDefinitions.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { settingDefinitions } from '../../src/config/settingDefinitions.js';
import { evaluate } from './armExpression.js';
import { armOrSkip, moduleDeployment, moduleParams, resolveVariables, walkResources, type ArmResource, type Json } from './tools.js';

/** Host settings the Bicep sets besides the app's own `scope: 'azure'` settings. */
const HOST_SETTINGS = [
    'AzureWebJobsStorage__credential',
    'AzureWebJobsStorage__clientId',
    'AzureWebJobsStorage__blobServiceUri',
    'AzureWebJobsStorage__queueServiceUri',
    'AzureWebJobsStorage__tableServiceUri',
    'APPLICATIONINSIGHTS_CONNECTION_STRING',
    'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    'languageWorkers__node__arguments',
] as const;

const ROLE = {
    storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
    storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
    storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
    monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
    keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
    keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
    keyVaultCertificatesOfficer: 'a4417e6f-fecd-4de8-b567-7b0420556985',
    keyVaultReader: '21090545-7ca7-4776-b22c-e363652d74d2',
    storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a',
} as const;

interface Ctx {
    main: Json;
    all: ArmResource[];
}

function ctx(t: TestContext): Ctx | undefined {
    const main = armOrSkip(t);
    return main ? { main, all: walkResources(main) } : undefined;
}

function only(all: ArmResource[], type: string, nameIncludes?: string): ArmResource {
    const found = all.filter((r) => r.type.toLowerCase() === type.toLowerCase() && (!nameIncludes || r.name.includes(nameIncludes)));
    assert.equal(found.length, 1, `expected exactly one ${type}${nameIncludes ? ` named *${nameIncludes}*` : ''}, found ${found.length}`);
    return found[0]!;
}

function get(obj: unknown, path: string): unknown {
    let cur: unknown = obj;
    for (const key of path.split('.')) {
        if (!cur || typeof cur !== 'object') return undefined;
        // ARM property names are case-insensitive.
        const entry = Object.entries(cur as Record<string, unknown>).find(([k]) => k.toLowerCase() === key.toLowerCase());
        cur = entry?.[1];
    }
    return cur;
}

/** The default value of a main.bicep parameter. */
function mainDefault(main: Json, name: string): unknown {
    return get(main, `parameters.${name}.defaultValue`);
}

describe('storage account', () => {
    test('shared keys off, no public blob access, TLS 1.2, https only', (t) => {
        const c = ctx(t);
        if (!c) return;
        const sa = only(c.all, 'Microsoft.Storage/storageAccounts');
        assert.equal(get(sa.properties, 'allowSharedKeyAccess'), false);
        assert.equal(get(sa.properties, 'allowBlobPublicAccess'), false);
        assert.equal(get(sa.properties, 'minimumTlsVersion'), 'TLS1_2');
        assert.equal(get(sa.properties, 'supportsHttpsTrafficOnly'), true);
        assert.equal(get(sa.properties, 'defaultToOAuthAuthentication'), true);
    });

    test('deployment and export containers are private; export container name defaults to USERS_EXPORT_CONTAINER', (t) => {
        const c = ctx(t);
        if (!c) return;
        const containers = c.all.filter((r) => r.type === 'Microsoft.Storage/storageAccounts/blobServices/containers');
        assert.equal(containers.length, 2);
        for (const container of containers) assert.equal(get(container.properties, 'publicAccess'), 'None');
        assert.ok(containers.some((r) => r.name.includes("parameters('exportContainerName')")));
        assert.ok(containers.some((r) => r.name.includes("parameters('deploymentContainerName')")));
        assert.equal(moduleParams(c.main, 'storage').exportContainerName, "[parameters('usersExportContainerName')]");
        const def = settingDefinitions.find((s) => s.name === 'USERS_EXPORT_CONTAINER');
        assert.ok(def && 'defaultValue' in def);
        assert.equal(mainDefault(c.main, 'usersExportContainerName'), def.defaultValue);
    });
});

describe('function app', () => {
    test('Linux Flex Consumption FC1 plan', (t) => {
        const c = ctx(t);
        if (!c) return;
        const plan = only(c.all, 'Microsoft.Web/serverfarms');
        assert.equal(get(plan.raw, 'sku.name'), 'FC1');
        assert.equal(get(plan.raw, 'sku.tier'), 'FlexConsumption');
        assert.equal(get(plan.properties, 'reserved'), true);
    });

    test('httpsOnly, TLS 1.2, remote debugging off, no ftpsState (Flex has no FTP; ARM rejects the property)', (t) => {
        const c = ctx(t);
        if (!c) return;
        const site = only(c.all, 'Microsoft.Web/sites');
        assert.equal(site.raw.kind, 'functionapp,linux');
        assert.equal(get(site.properties, 'httpsOnly'), true);
        assert.equal(get(site.properties, 'siteConfig.minTlsVersion'), '1.2');
        assert.equal(get(site.properties, 'siteConfig.scmMinTlsVersion'), '1.2');
        assert.equal(get(site.properties, 'siteConfig.ftpsState'), undefined);
        assert.equal(get(site.properties, 'siteConfig.remoteDebuggingEnabled'), false);
    });

    test('no basic publishing credentials (ftp and scm allow: false)', (t) => {
        const c = ctx(t);
        if (!c) return;
        const policies = c.all.filter((r) => r.type === 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
        const byName = new Map(policies.map((p) => [/'(ftp|scm)'\)\]$/.exec(p.name)?.[1], p]));
        for (const name of ['ftp', 'scm']) {
            const p = byName.get(name);
            assert.ok(p, `basicPublishingCredentialsPolicies/${name} missing`);
            assert.equal(get(p.properties, 'allow'), false, `${name} must be allow: false`);
        }
    });

    test('runs on the user-assigned identity only', (t) => {
        const c = ctx(t);
        if (!c) return;
        const site = only(c.all, 'Microsoft.Web/sites');
        assert.equal(get(site.raw, 'identity.type'), 'UserAssigned');
        const ids = Object.keys(get(site.raw, 'identity.userAssignedIdentities') as Json);
        assert.deepEqual(ids, ["[format('{0}', parameters('identityResourceId'))]"]);
        const api = moduleParams(c.main, 'api');
        assert.match(String(api.identityResourceId), /'Microsoft\.Resources\/deployments', 'identity'\)[^\]]*\.outputs\.resourceId\.value/);
        assert.match(String(api.identityClientId), /'identity'\)[^\]]*\.outputs\.clientId\.value/);
    });

    test('runtime node 22', (t) => {
        const c = ctx(t);
        if (!c) return;
        const site = only(c.all, 'Microsoft.Web/sites');
        assert.equal(get(site.properties, 'functionAppConfig.runtime.name'), 'node');
        assert.equal(get(site.properties, 'functionAppConfig.runtime.version'), "[parameters('runtimeVersion')]");
        assert.equal(moduleParams(c.main, 'api').runtimeVersion, '22');
    });

    test('deployment package container with UserAssignedIdentity authentication', (t) => {
        const c = ctx(t);
        if (!c) return;
        const site = only(c.all, 'Microsoft.Web/sites');
        const storage = get(site.properties, 'functionAppConfig.deployment.storage') as Json;
        assert.equal(get(storage, 'type'), 'blobContainer');
        assert.match(String(get(storage, 'value')), /primaryEndpoints\.blob.*parameters\('deploymentContainerName'\)/);
        assert.equal(get(storage, 'authentication.type'), 'UserAssignedIdentity');
        assert.equal(get(storage, 'authentication.userAssignedIdentityResourceId'), "[parameters('identityResourceId')]");
    });

    test('instance memory and maximum instance count are main.bicep parameters', (t) => {
        const c = ctx(t);
        if (!c) return;
        const site = only(c.all, 'Microsoft.Web/sites');
        assert.equal(get(site.properties, 'functionAppConfig.scaleAndConcurrency.instanceMemoryMB'), "[parameters('instanceMemoryMB')]");
        assert.equal(
            get(site.properties, 'functionAppConfig.scaleAndConcurrency.maximumInstanceCount'),
            "[parameters('maximumInstanceCount')]",
        );
        const api = moduleParams(c.main, 'api');
        assert.equal(api.instanceMemoryMB, "[parameters('instanceMemoryMB')]");
        assert.equal(api.maximumInstanceCount, "[parameters('maximumInstanceCount')]");
        assert.equal(mainDefault(c.main, 'instanceMemoryMB'), 2048);
        assert.equal(mainDefault(c.main, 'maximumInstanceCount'), 100);
        // Flex Consumption allows a cap of 1; a low cap bounds Graph load and cost.
        assert.equal(get(c.main, 'parameters.maximumInstanceCount.minValue'), 1);
        const apiTemplate = get(moduleDeployment(c.main, 'api'), 'properties.template') as Json;
        assert.equal(get(apiTemplate, 'parameters.maximumInstanceCount.minValue'), 1);
    });
});

describe('app settings', () => {
    function appSettings(c: Ctx): Record<string, unknown> {
        const fromConfig = c.all.filter((r) => r.type === 'Microsoft.Web/sites/config' && r.name.includes("'appsettings'"));
        const site = only(c.all, 'Microsoft.Web/sites');
        const fromSite = (get(site.properties, 'siteConfig.appSettings') as { name: string; value: unknown }[] | undefined) ?? [];
        const settings: Record<string, unknown> = Object.fromEntries(fromSite.map((s) => [s.name, s.value]));
        for (const cfg of fromConfig) {
            assert.equal(typeof cfg.properties, 'object');
            Object.assign(settings, cfg.properties);
        }
        return settings;
    }

    test("names are exactly settingDefinitions' azure scope plus the host settings", (t) => {
        const c = ctx(t);
        if (!c) return;
        const actual = Object.keys(appSettings(c)).sort();
        const expected = [...settingDefinitions.filter((s) => s.scope === 'azure').map((s) => s.name), ...HOST_SETTINGS].sort();
        assert.deepEqual(actual, expected);
    });

    test("no 'local' scope setting and no FUNCTIONS_WORKER_RUNTIME/EXTENSION_VERSION (not allowed on Flex)", (t) => {
        const c = ctx(t);
        if (!c) return;
        const names = Object.keys(appSettings(c));
        for (const local of settingDefinitions.filter((s) => s.scope === 'local')) {
            assert.ok(!names.includes(local.name), `${local.name} is local-only but set in Azure`);
        }
        assert.ok(!names.includes('FUNCTIONS_WORKER_RUNTIME'));
        assert.ok(!names.includes('FUNCTIONS_EXTENSION_VERSION'));
        assert.ok(!names.includes('AzureWebJobsStorage'), 'host storage must be identity-based, not a connection string');
    });

    test('host storage and export storage are identity-based with the UAMI client id', (t) => {
        const c = ctx(t);
        if (!c) return;
        const s = appSettings(c);
        const clientId = "[parameters('identityClientId')]";
        assert.equal(s.AzureWebJobsStorage__credential, 'managedidentity');
        assert.equal(s.AzureWebJobsStorage__clientId, clientId);
        assert.match(String(s.AzureWebJobsStorage__blobServiceUri), /primaryEndpoints\.blob/);
        assert.match(String(s.AzureWebJobsStorage__queueServiceUri), /primaryEndpoints\.queue/);
        assert.match(String(s.AzureWebJobsStorage__tableServiceUri), /primaryEndpoints\.table/);
        assert.equal(s.USERS_EXPORT_STORAGE__credential, 'managedidentity');
        assert.equal(s.USERS_EXPORT_STORAGE__clientId, clientId);
        assert.match(String(s.USERS_EXPORT_STORAGE__blobServiceUri), /primaryEndpoints\.blob/);
        assert.equal(s.AZURE_CLIENT_ID, clientId);
        for (const [name, value] of Object.entries(s)) {
            assert.doesNotMatch(String(value), /AccountKey=|SharedAccessSignature|listKeys|listSecrets/i, `${name} carries a key`);
        }
    });

    test('Application Insights with Entra ID: APPLICATIONINSIGHTS_AUTHENTICATION_STRING', (t) => {
        const c = ctx(t);
        if (!c) return;
        const s = appSettings(c);
        assert.equal(
            s.APPLICATIONINSIGHTS_AUTHENTICATION_STRING,
            "[format('ClientId={0};Authorization=AAD', parameters('identityClientId'))]",
        );
    });

    test('the Node worker runs with the V8 flags the bench measured (src/runtime/nodeWorkerSettings.json)', (t) => {
        const c = ctx(t);
        if (!c) return;
        const worker = JSON.parse(readFileSync('src/runtime/nodeWorkerSettings.json', 'utf8')) as Record<string, string>;
        const config = c.all.find((r) => r.type === 'Microsoft.Web/sites/config' && r.name.includes("'appsettings'"));
        assert.ok(config);
        // loadJsonContent compiles to a template variable: resolve it where it is declared.
        const expression = String(get(config.properties, 'languageWorkers__node__arguments'));
        assert.equal(resolveVariables(expression, config.template), `['${worker.languageWorkers__node__arguments}']`);
    });

    test('app values come from main.bicep parameters with the documented defaults', (t) => {
        const c = ctx(t);
        if (!c) return;
        const s = appSettings(c);
        const api = moduleParams(c.main, 'api');
        assert.equal(s.GRAPH_CLIENT_ID, "[parameters('graphClientId')]");
        assert.equal(api.graphClientId, "[parameters('graphClientId')]");
        assert.equal(mainDefault(c.main, 'graphClientId'), '');
        assert.equal(mainDefault(c.main, 'graphTenantId'), '[tenant().tenantId]');
        // The vault's URI, or '' in managedIdentity mode (no vault).
        assert.match(
            String(api.keyVaultUri),
            /^\[coalesce\(tryGet\(if\(variables\('usesKeyVault'\), reference\(.*'keyvault'\).*vaultUri.*, ''\)\]$/,
        );
        assert.equal(s.KEY_VAULT_URL, "[parameters('keyVaultUri')]");
        // Each app setting with a default in settingDefinitions has the same default in main.bicep.
        const defaults: Record<string, string> = {
            GRAPH_CREDENTIAL: 'graphCredentialType',
            GRAPH_CLIENT_SECRET_NAME: 'graphClientSecretName',
            GRAPH_CLIENT_CERTIFICATE_NAME: 'graphClientCertificateName',
            USERS_EXPORT_SCHEDULE: 'usersExportSchedule',
            SECRET_CACHE_TTL_SECONDS: 'secretCacheTtlSeconds',
            USERS_EXPORT_CONTAINER: 'usersExportContainerName',
            USERS_EXPORT_SELECT: 'usersExportSelect',
            USERS_EXPORT_RETENTION_DAYS: 'usersExportRetentionDays',
            USERS_EXPORT_GZIP: 'usersExportGzip',
            USERS_EXPORT_FULL_EVERY_DAYS: 'usersExportFullEveryDays',
            API_REQUIRED_ROLE: 'apiRequiredRole',
        };
        for (const [setting, param] of Object.entries(defaults)) {
            const def = settingDefinitions.find((d) => d.name === setting);
            assert.ok(def && 'defaultValue' in def, setting);
            assert.equal(String(mainDefault(c.main, param)), def.defaultValue, `${param} default vs ${setting}`);
        }
        // API_AUDIENCE, like GRAPH_CLIENT_ID, comes from the azd environment (the hook stores it there); empty until then.
        assert.equal(s.API_AUDIENCE, "[parameters('apiAudience')]");
        assert.equal(api.apiAudience, "[parameters('apiAudience')]");
        assert.equal(mainDefault(c.main, 'apiAudience'), '');
        // AUTHORITY_HOST and GRAPH_ENDPOINT follow the cloud: test/infra/cloudEndpoints.test.ts.
        assert.match(String(mainDefault(c.main, 'authorityHost')), /environment\(\)\.authentication\.loginEndpoint/);
        assert.equal(mainDefault(c.main, 'graphEndpoint'), '');
    });
});

describe('monitoring', () => {
    test('Application Insights and Log Analytics have local auth disabled', (t) => {
        const c = ctx(t);
        if (!c) return;
        const appi = only(c.all, 'Microsoft.Insights/components');
        assert.equal(get(appi.properties, 'DisableLocalAuth'), true);
        assert.match(String(get(appi.properties, 'WorkspaceResourceId')), /Microsoft\.OperationalInsights\/workspaces/);
        const law = only(c.all, 'Microsoft.OperationalInsights/workspaces');
        assert.equal(get(law.properties, 'features.disableLocalAuth'), true);
    });
});

describe('key vault', () => {
    test('RBAC authorization, soft delete, purge protection, public access as a parameter', (t) => {
        const c = ctx(t);
        if (!c) return;
        const kv = only(c.all, 'Microsoft.KeyVault/vaults');
        assert.equal(get(kv.properties, 'enableRbacAuthorization'), true);
        assert.equal(get(kv.properties, 'enableSoftDelete'), true);
        assert.equal(get(kv.properties, 'enablePurgeProtection'), true);
        assert.equal(get(kv.properties, 'publicNetworkAccess'), "[parameters('publicNetworkAccess')]");
        assert.equal(moduleParams(c.main, 'keyvault').publicNetworkAccess, "[parameters('keyVaultPublicNetworkAccess')]");
        assert.deepEqual(get(c.main, 'parameters.keyVaultPublicNetworkAccess.allowedValues'), ['Enabled', 'Disabled']);
        assert.ok(!get(kv.properties, 'accessPolicies'), 'no access policies with RBAC authorization');
    });

    test('purge protection is never written as false anywhere', (t) => {
        const c = ctx(t);
        if (!c) return;
        assert.doesNotMatch(JSON.stringify(c.main), /"enablePurgeProtection":\s*(false|"\[)/i);
    });
});

describe('role assignments', () => {
    interface Expected {
        label: string;
        role: string;
        scopeType: string;
        principalParam: string;
        principalType: string;
        /** The nested deployment (module) that declares it. */
        module: 'rbac' | 'keyvault-rbac';
    }
    const uami = 'managedIdentityPrincipalId';
    const deployer = 'deployerPrincipalId';
    const deployerType = "[parameters('deployerPrincipalType')]";
    const expected: Expected[] = [
        {
            label: 'host: Storage Blob Data Owner on the account',
            role: ROLE.storageBlobDataOwner,
            scopeType: 'Microsoft.Storage/storageAccounts',
            principalParam: uami,
            principalType: 'ServicePrincipal',
            module: 'rbac',
        },
        {
            label: 'host: Storage Queue Data Contributor on the account',
            role: ROLE.storageQueueDataContributor,
            scopeType: 'Microsoft.Storage/storageAccounts',
            principalParam: uami,
            principalType: 'ServicePrincipal',
            module: 'rbac',
        },
        {
            label: 'host: Storage Table Data Contributor on the account',
            role: ROLE.storageTableDataContributor,
            scopeType: 'Microsoft.Storage/storageAccounts',
            principalParam: uami,
            principalType: 'ServicePrincipal',
            module: 'rbac',
        },
        {
            label: 'download links: Storage Blob Delegator on the account (user delegation keys are an account operation)',
            role: ROLE.storageBlobDelegator,
            scopeType: 'Microsoft.Storage/storageAccounts',
            principalParam: uami,
            principalType: 'ServicePrincipal',
            module: 'rbac',
        },
        {
            label: 'export: Storage Blob Data Contributor on the export container',
            role: ROLE.storageBlobDataContributor,
            scopeType: 'Microsoft.Storage/storageAccounts/blobServices/containers',
            principalParam: uami,
            principalType: 'ServicePrincipal',
            module: 'rbac',
        },
        {
            label: 'Monitoring Metrics Publisher on Application Insights',
            role: ROLE.monitoringMetricsPublisher,
            scopeType: 'Microsoft.Insights/components',
            principalParam: uami,
            principalType: 'ServicePrincipal',
            module: 'rbac',
        },
        {
            label: 'app: Key Vault Secrets User on the vault',
            role: ROLE.keyVaultSecretsUser,
            scopeType: 'Microsoft.KeyVault/vaults',
            principalParam: uami,
            principalType: 'ServicePrincipal',
            module: 'keyvault-rbac',
        },
        {
            label: 'deployer: Key Vault Secrets Officer on the vault',
            role: ROLE.keyVaultSecretsOfficer,
            scopeType: 'Microsoft.KeyVault/vaults',
            principalParam: deployer,
            principalType: deployerType,
            module: 'keyvault-rbac',
        },
        {
            label: 'deployer: Key Vault Certificates Officer on the vault',
            role: ROLE.keyVaultCertificatesOfficer,
            scopeType: 'Microsoft.KeyVault/vaults',
            principalParam: deployer,
            principalType: deployerType,
            module: 'keyvault-rbac',
        },
        {
            label: 'pipeline deployer: Key Vault Reader on the vault',
            role: ROLE.keyVaultReader,
            scopeType: 'Microsoft.KeyVault/vaults',
            principalParam: deployer,
            principalType: deployerType,
            module: 'keyvault-rbac',
        },
    ];

    function assignments(c: Ctx): ArmResource[] {
        return c.all.filter((r) => r.type === 'Microsoft.Authorization/roleAssignments');
    }

    function roleOf(r: ArmResource): string | undefined {
        return /'([0-9a-f-]{36})'/.exec(resolveVariables(String(get(r.properties, 'roleDefinitionId')), r.template))?.[1];
    }

    test('exactly the expected role assignments exist', (t) => {
        const c = ctx(t);
        if (!c) return;
        assert.deepEqual(assignments(c).map(roleOf).sort(), expected.map((e) => e.role).sort());
    });

    for (const e of expected) {
        test(`role assignment: ${e.label}`, (t) => {
            const c = ctx(t);
            if (!c) return;
            const matches = assignments(c).filter((r) => roleOf(r) === e.role);
            assert.equal(matches.length, 1);
            const ra = matches[0]!;
            assert.deepEqual(ra.deploymentPath, [e.module]);
            const roleDefinitionId = resolveVariables(String(get(ra.properties, 'roleDefinitionId')), ra.template);
            assert.equal(roleDefinitionId, `[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '${e.role}')]`);
            // Narrowest scope: the resource itself (never the resource group or subscription).
            assert.ok(ra.scope, 'role assignment must be scoped to a resource');
            assert.ok(ra.scope.startsWith(`[resourceId('${e.scopeType}', `), `scope ${ra.scope} is not a ${e.scopeType}`);
            // Principal and type.
            assert.equal(get(ra.properties, 'principalId'), `[parameters('${e.principalParam}')]`);
            assert.equal(get(ra.properties, 'principalType'), e.principalType);
            // Deterministic name: guid(scope, principal, role).
            const scopeExpr = ra.scope.slice(1, -1);
            assert.ok(
                ra.name.startsWith(`[guid(${scopeExpr}, parameters('${e.principalParam}'), `),
                `name ${ra.name} is not guid(scope, principal, role)`,
            );
            assert.ok(resolveVariables(ra.name, ra.template).includes(`'${e.role}'`));
        });
    }

    // Which roles a deployment creates, evaluating the template's own conditions (module and resource).
    function grantedRoles(c: Ctx, mode: string, officer: boolean, deployerId: string): string[] {
        const main = { template: c.main, parameters: { graphCredentialType: mode }, environment: { name: 'AzureCloud' } };
        const granted: string[] = [];
        for (const name of ['rbac', 'keyvault-rbac']) {
            const deployment = moduleDeployment(c.main, name);
            if (deployment.condition !== undefined && evaluate(deployment.condition, main) !== true) continue;
            const template = get(deployment, 'properties.template') as Json;
            const parameters = { graphCredentialType: mode, grantDeployerVaultOfficer: officer, deployerPrincipalId: deployerId };
            for (const ra of assignments(c).filter((r) => r.template === template)) {
                if (ra.raw.condition === undefined || evaluate(ra.raw.condition, { template, parameters, environment: {} }) === true) {
                    granted.push(roleOf(ra)!);
                }
            }
        }
        return granted.sort();
    }

    test('per GRAPH_CREDENTIAL mode: the app reads its vault credential, the deployer gets only what its part needs', (t) => {
        const c = ctx(t);
        if (!c) return;
        const host = [
            ROLE.storageBlobDataOwner,
            ROLE.storageQueueDataContributor,
            ROLE.storageTableDataContributor,
            ROLE.storageBlobDataContributor,
            ROLE.storageBlobDelegator,
            ROLE.monitoringMetricsPublisher,
        ];
        const someone = '55555555-5555-5555-5555-555555555555';
        const cases: [string, boolean, string, string[]][] = [
            // mode, officer (administrator) or not (pipeline), deployer, vault roles
            ['keyVaultSecret', true, someone, [ROLE.keyVaultSecretsUser, ROLE.keyVaultSecretsOfficer]],
            ['keyVaultSecret', false, someone, [ROLE.keyVaultSecretsUser, ROLE.keyVaultReader]],
            ['keyVaultSecret', true, '', [ROLE.keyVaultSecretsUser]],
            ['keyVaultCertificate', true, someone, [ROLE.keyVaultSecretsUser, ROLE.keyVaultCertificatesOfficer]],
            ['keyVaultCertificate', false, someone, [ROLE.keyVaultSecretsUser, ROLE.keyVaultReader]],
            // Nothing secret exists: no vault and no vault role for anyone.
            ['managedIdentity', true, someone, []],
            ['managedIdentity', false, someone, []],
        ];
        for (const [mode, officer, deployerId, vaultRoles] of cases) {
            assert.deepEqual(
                grantedRoles(c, mode, officer, deployerId),
                [...host, ...vaultRoles].sort(),
                `${mode} officer=${officer} deployer=${deployerId || 'none'}`,
            );
        }
    });

    test('managedIdentity mode provisions no Key Vault and leaves KEY_VAULT_URL empty', (t) => {
        const c = ctx(t);
        if (!c) return;
        const context = (mode: string): Parameters<typeof evaluate>[1] => ({
            template: c.main,
            parameters: { graphCredentialType: mode },
            environment: { name: 'AzureCloud' },
        });
        for (const name of ['keyvault', 'keyvault-rbac']) {
            const condition: unknown = moduleDeployment(c.main, name).condition;
            assert.equal(evaluate(condition, context('managedIdentity')), false, name);
            assert.equal(evaluate(condition, context('keyVaultSecret')), true, name);
            assert.equal(evaluate(condition, context('keyVaultCertificate')), true, name);
        }
        // The app setting and the outputs fall back to '' without touching the skipped module.
        assert.match(String(moduleParams(c.main, 'api').keyVaultUri), /^\[coalesce\(tryGet\(if\(variables\('usesKeyVault'\)/);
        const outputs = c.main.outputs as Record<string, { value: string }>;
        assert.match(outputs.AZURE_KEY_VAULT_NAME!.value, /^\[coalesce\(tryGet\(if\(variables\('usesKeyVault'\).*, ''\)\]$/);
    });

    test('the modules get the identity output and the deploying principal', (t) => {
        const c = ctx(t);
        if (!c) return;
        const rbac = moduleParams(c.main, 'rbac');
        assert.match(String(rbac.managedIdentityPrincipalId), /'identity'\)[^\]]*\.outputs\.principalId\.value/);
        const vaultRbac = moduleParams(c.main, 'keyvault-rbac');
        assert.match(String(vaultRbac.managedIdentityPrincipalId), /'identity'\)[^\]]*\.outputs\.principalId\.value/);
        assert.equal(vaultRbac.deployerPrincipalId, "[parameters('principalId')]");
        assert.equal(vaultRbac.grantDeployerVaultOfficer, "[parameters('grantDeployerVaultOfficer')]");
        assert.equal(vaultRbac.graphCredentialType, "[variables('effectiveGraphCredential')]");
        assert.equal(get(c.main, 'parameters.grantDeployerVaultOfficer.type'), 'bool');
    });
});

describe('secrets hygiene', () => {
    const SENSITIVE = /(secret|password|passwd|pwd|token|connectionstring|sas|accountkey|apikey|credential|key$)/i;
    const HARMLESS_SUFFIX = /(Name|Uri|Url|Endpoint|Id|Ids|Type|Days|Seconds|Access)$/i;

    test('no secret in any output', (t) => {
        const c = ctx(t);
        if (!c) return;
        const templates = [
            c.main,
            ...walkResources(c.main)
                .filter((r) => r.type === 'Microsoft.Resources/deployments')
                .map((r) => get(r.properties, 'template') as Json),
        ];
        for (const tpl of templates) {
            for (const [name, output] of Object.entries((tpl.outputs ?? {}) as Record<string, Json>)) {
                const type = String(output.type).toLowerCase();
                assert.ok(!type.startsWith('secure'), `output ${name} is ${type}`);
                assert.doesNotMatch(
                    String(output.value),
                    /\blist\w*\(|ConnectionString|secretText|password/i,
                    `output ${name} may expose a secret`,
                );
                if (SENSITIVE.test(name)) assert.match(name, HARMLESS_SUFFIX, `output ${name} looks like a secret`);
            }
        }
    });

    test('no secret-looking parameter without @secure(), and no secure parameter with a default', (t) => {
        const c = ctx(t);
        if (!c) return;
        const templates = [
            c.main,
            ...walkResources(c.main)
                .filter((r) => r.type === 'Microsoft.Resources/deployments')
                .map((r) => get(r.properties, 'template') as Json),
        ];
        let checked = 0;
        for (const tpl of templates) {
            for (const [name, param] of Object.entries((tpl.parameters ?? {}) as Record<string, Json>)) {
                checked++;
                const type = String(param.type).toLowerCase();
                if (type.startsWith('secure')) {
                    assert.equal(param.defaultValue, undefined, `secure parameter ${name} must not have a default`);
                    continue;
                }
                // Only strings and objects can carry a secret; nothing here does (names of secrets, URIs, ids).
                if (type !== 'string' && type !== 'object') continue;
                if (SENSITIVE.test(name) || /secret|password|key(?!Vault)/i.test(name)) {
                    assert.match(name, HARMLESS_SUFFIX, `parameter ${name} looks sensitive but is not @secure()`);
                }
                assert.doesNotMatch(
                    JSON.stringify(param.defaultValue ?? ''),
                    /AccountKey=|SharedAccessSignature|\blist\w*\(/i,
                    `parameter ${name} default`,
                );
            }
        }
        assert.ok(checked > 20);
    });

    test('no listKeys/listSecrets anywhere (shared keys are disabled)', (t) => {
        const c = ctx(t);
        if (!c) return;
        assert.doesNotMatch(JSON.stringify(c.main), /\blist(Keys|Secrets|AccountSas|ServiceSas|Credentials)\(/);
    });
});
