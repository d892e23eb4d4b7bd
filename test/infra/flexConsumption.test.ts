/**
 * Flex Consumption's rules as a test over the compiled ARM template. ARM rejects some of these on Flex
 * sites at deployment time (e.g. `BadRequest ... site configuration properties (Site.SiteConfig.FtpsState,
 * ...) for Flex Consumption sites is invalid`, Azure/azure-cli#31414), which `bicep build` and `bicep lint`
 * cannot see; the rest are ignored or replaced by functionAppConfig. None may appear anywhere.
 *
 * Source: learn.microsoft.com/azure/azure-functions/functions-app-settings, section "Flex Consumption plan
 * deprecations" (the table as of ms.date 2025-07-11, read from MicrosoftDocs/azure-docs
 * articles/azure-functions/functions-app-settings.md). Keep the rows in the page's order when it changes.
 * Rows marked "Observed from ARM" are not in that table: ARM named them in a real rejection.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { armOrSkip, type Json } from './tools.js';

/** App settings the table deprecates on Flex Consumption, with its reason. */
const DEPRECATED_APP_SETTINGS: Record<string, string> = {
    ENABLE_ORYX_BUILD: 'Replaced by the remoteBuild parameter when deploying in Flex Consumption',
    FUNCTIONS_EXTENSION_VERSION: 'App Setting is set by the backend. A value of ~1 can be ignored.',
    FUNCTIONS_WORKER_RUNTIME: 'Replaced by name in properties.functionAppConfig.runtime',
    FUNCTIONS_WORKER_RUNTIME_VERSION: 'Replaced by version in properties.functionAppConfig.runtime',
    FUNCTIONS_MAX_HTTP_CONCURRENCY: "Replaced by scale and concurrency's trigger section",
    FUNCTIONS_WORKER_PROCESS_COUNT: 'Setting not valid',
    FUNCTIONS_WORKER_DYNAMIC_CONCURRENCY_ENABLED: 'Setting not valid',
    SCM_DO_BUILD_DURING_DEPLOYMENT: 'Replaced by the remoteBuild parameter when deploying in Flex Consumption',
    WEBSITE_CONTENTAZUREFILECONNECTIONSTRING: "Replaced by functionAppConfig's deployment section",
    WEBSITE_CONTENTOVERVNET: 'Not used for networking in Flex Consumption',
    WEBSITE_CONTENTSHARE: "Replaced by functionAppConfig's deployment section",
    WEBSITE_DNS_SERVER: 'DNS is inherited from the integrated virtual network in Flex',
    WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT: 'Replaced by maximumInstanceCount in properties.functionAppConfig.scaleAndConcurrency',
    WEBSITE_NODE_DEFAULT_VERSION: 'Replaced by version in properties.functionAppConfig.runtime',
    WEBSITE_RUN_FROM_PACKAGE: 'Not used for deployments in Flex Consumption',
    WEBSITE_SKIP_CONTENTSHARE_VALIDATION: "Content share isn't used in Flex Consumption",
    WEBSITE_VNET_ROUTE_ALL: 'Not used for networking in Flex Consumption',
};

/** Marks a row that comes from ARM's own rejection text, not from the docs table. */
const OBSERVED_FROM_ARM = 'Observed from ARM';

/** Site properties the table deprecates (its `properties.X` rows; some live under siteConfig), and those ARM was seen to reject. */
const DEPRECATED_SITE_PROPERTIES: Record<string, string> = {
    'properties.alwaysOn': 'Not valid',
    'properties.containerSize': 'Renamed as instanceMemoryMB',
    'properties.ftpsState': 'FTPS not supported',
    'properties.isReserved': 'Not valid',
    'properties.IsXenon': 'Not valid',
    'properties.javaVersion': 'Replaced by version in properties.functionAppConfig.runtime',
    'properties.LinuxFxVersion': 'Replaced by properties.functionAppConfig.runtime',
    'properties.netFrameworkVersion': 'Replaced by version in properties.functionAppConfig.runtime',
    'properties.powerShellVersion': 'Replaced by version in properties.functionAppConfig.runtime',
    'properties.siteConfig.functionAppScaleLimit': 'Renamed as maximumInstanceCount',
    'properties.siteConfig.preWarmedInstanceCount': 'Renamed as alwaysReadyInstances',
    'properties.use32BitWorkerProcess': '32-bit not supported',
    'properties.vnetBackupRestoreEnabled': 'Not used for networking in Flex Consumption',
    'properties.vnetContentShareEnabled': 'Not used for networking in Flex Consumption',
    'properties.vnetImagePullEnabled': 'Not used for networking in Flex Consumption',
    'properties.vnetRouteAllEnabled': 'Not used for networking in Flex Consumption',
    'properties.windowsFxVersion': 'Not valid',
    // Not in the docs table. ARM's BadRequest quoted in microsoft/azure-pipelines-tasks#21032: "The following list of
    // 4 site configuration properties (Site.SiteConfig.FtpsState, Site.SiteConfig.Use32BitWorkerProcess,
    // Site.SiteConfig.NetFrameworkVersion, Site.SiteConfig.FunctionsRuntimeScaleMonitoringEnabled) for Flex
    // Consumption sites is invalid".
    'properties.siteConfig.functionsRuntimeScaleMonitoringEnabled': `${OBSERVED_FROM_ARM}: rejected in ARM's BadRequest (microsoft/azure-pipelines-tasks#21032)`,
};

interface Finding {
    readonly where: string;
    readonly entry: string;
    readonly reason: string;
}

/**
 * Every place a deprecated entry appears in a (compiled) template: a site property as an object key at
 * any depth, whatever the nesting (siteConfig or not) and the case (ARM property names are
 * case-insensitive); an app setting as a key, as a `name` value (siteConfig.appSettings) or anywhere in
 * a string (an expression, a description).
 */
function findDeprecated(template: unknown): Finding[] {
    const properties = new Map(
        Object.entries(DEPRECATED_SITE_PROPERTIES).map(([path, reason]) => [path.split('.').pop()!.toLowerCase(), { path, reason }]),
    );
    const settings = Object.entries(DEPRECATED_APP_SETTINGS);
    const findings: Finding[] = [];
    const visit = (node: unknown, where: string): void => {
        if (typeof node === 'string') {
            for (const [name, reason] of settings) {
                if (new RegExp(`(^|[^A-Z0-9_])${name}([^A-Z0-9_]|$)`, 'i').test(node)) findings.push({ where, entry: name, reason });
            }
            return;
        }
        if (Array.isArray(node)) {
            node.forEach((item, i) => {
                visit(item, `${where}[${i}]`);
            });
            return;
        }
        if (node && typeof node === 'object') {
            for (const [key, value] of Object.entries(node as Json)) {
                const property = properties.get(key.toLowerCase());
                if (property) findings.push({ where: `${where}.${key}`, entry: property.path, reason: property.reason });
                const setting = settings.find(([name]) => name.toLowerCase() === key.toLowerCase());
                if (setting) findings.push({ where: `${where}.${key}`, entry: setting[0], reason: setting[1] });
                visit(value, `${where}.${key}`);
            }
        }
    };
    visit(template, '$');
    return findings;
}

describe('Flex Consumption plan deprecations (functions-app-settings)', () => {
    test('the table is complete: 17 app settings and 17 site properties, FTPS among them, plus what ARM was seen to reject', () => {
        assert.equal(Object.keys(DEPRECATED_APP_SETTINGS).length, 17);
        const [observed, documented] = [true, false].map((marked) =>
            Object.keys(DEPRECATED_SITE_PROPERTIES).filter((p) => DEPRECATED_SITE_PROPERTIES[p]!.startsWith(OBSERVED_FROM_ARM) === marked),
        );
        assert.equal(documented!.length, 17);
        assert.equal(DEPRECATED_SITE_PROPERTIES['properties.ftpsState'], 'FTPS not supported');
        assert.deepEqual(observed, ['properties.siteConfig.functionsRuntimeScaleMonitoringEnabled']);
    });

    test('no deprecated site property or app setting appears anywhere in the compiled template', (t) => {
        const main = armOrSkip(t);
        if (!main) return;
        const findings = findDeprecated(main);
        assert.deepEqual(
            findings.map((f) => `${f.entry} at ${f.where} (${f.reason})`),
            [],
        );
    });

    test('the check finds each kind of violation (it can fail)', () => {
        const planted = {
            resources: [
                {
                    type: 'Microsoft.Web/sites',
                    properties: {
                        siteConfig: { FtpsState: 'Disabled', appSettings: [{ name: 'FUNCTIONS_WORKER_RUNTIME', value: 'node' }] },
                    },
                },
                {
                    type: 'Microsoft.Web/sites/config',
                    properties: { website_run_from_package: '1', other: "[format('WEBSITE_CONTENTSHARE={0}', 'x')]" },
                },
                {
                    type: 'Microsoft.Web/sites',
                    properties: {
                        use32BitWorkerProcess: false,
                        siteConfig: { linuxFxVersion: 'NODE|22', functionsRuntimeScaleMonitoringEnabled: false },
                    },
                },
            ],
        };
        const entries = findDeprecated(planted).map((f) => f.entry);
        for (const expected of [
            'properties.ftpsState',
            'FUNCTIONS_WORKER_RUNTIME',
            'WEBSITE_RUN_FROM_PACKAGE',
            'WEBSITE_CONTENTSHARE',
            'properties.use32BitWorkerProcess',
            'properties.LinuxFxVersion',
            'properties.siteConfig.functionsRuntimeScaleMonitoringEnabled',
        ]) {
            assert.ok(entries.includes(expected), `${expected} not found in ${entries.join(', ')}`);
        }
        assert.deepEqual(findDeprecated({ properties: { FUNCTIONS_WORKER_RUNTIME_X: 1, note: 'MY_FUNCTIONS_WORKER_RUNTIME' } }), []);
    });
});
