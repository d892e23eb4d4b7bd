/**
 * Config fuzz: every setting missing, empty, of the wrong type or with a wrong URL scheme gives a
 * clear error naming it, on first use; importing and registering the functions still succeeds.
 */
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import fc from 'fast-check';
import functions from '@azure/functions';
import { loadCallerAuthSettings } from '../../src/config/CallerAuthSettings.js';
import { CORE_SETTING_NAMES, loadCoreSettings } from '../../src/config/CoreSettings.js';
import { settingDefinitions, type SettingDefinition } from '../../src/config/settingDefinitions.js';
import { ConfigurationError } from '../../src/errors/errorClasses.js';
import { functionKeyAuthorizer } from '../../src/callerAuth/CallerAuthorizer.js';
import { createUsersHttpHandler } from '../../src/functions/handlers/createUsersHttpHandler.js';
import { createRuntime } from '../../src/runtime/createRuntime.js';
import { hygiene } from '../support/hygieneGuard.js';
import { LogCapture } from '../support/LogCapture.js';

const { app, HttpRequest, InvocationContext } = functions;

const valid: Record<string, string> = {
    GRAPH_TENANT_ID: '11111111-2222-3333-4444-555555555555',
    GRAPH_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    KEY_VAULT_URL: 'https://kv-x.vault.azure.net',
};

const coreNames = new Set<string>(CORE_SETTING_NAMES);
const core: readonly SettingDefinition[] = settingDefinitions.filter((d) => coreNames.has(d.name));

/** Values that are wrong for a setting of this kind (blank counts as unset, so it is not generated). */
function badValues(kind: SettingDefinition['kind']): fc.Arbitrary<string> {
    return badValuesOf(kind).filter((value) => value.trim() !== '');
}

function badValuesOf(kind: SettingDefinition['kind']): fc.Arbitrary<string> {
    switch (kind) {
        case 'https-url':
            return fc.oneof(
                fc.webUrl({ validSchemes: ['http'] }),
                fc.constantFrom('ftp://kv.example', 'kv.vault.azure.net', 'https://user:pw@kv.example', 'https://kv.example/?x=1', '//kv'),
            );
        case 'boolean':
            return fc.string({ minLength: 1 }).filter((s) => !/^\s*(true|false|1|0)\s*$/i.test(s));
        case 'positive-integer':
            return fc.oneof(
                fc.constantFrom('0', '-1', '1.5', 'ten', '1e3', '99999999999'),
                fc.string({ minLength: 1 }).filter((s) => !/^\s*\d+\s*$/.test(s)),
            );
        case 'string':
            return fc.oneof(
                fc.constantFrom('a b', 'x/../y', 'name?x=1', '#frag', 'ü-tenant', '-leading'),
                fc.string({ minLength: 1 }).filter((s) => /[^A-Za-z0-9._-]/.test(s.trim()) && s.trim() !== ''),
            );
        case 'choice':
            return fc.constantFrom('secret', 'KeyVaultSecret', 'managed-identity', 'certificate');
        case 'audience-list':
            return fc.constantFrom('http://api.example/app', 'not an audience', 'ftp://api.example', 'api://a b', ',', 'api://x,urn:y');
        case 'app-role':
            return fc.constantFrom('Users Read', 'Users"Read', 'Users\\Read', 'Users.Read.Ä', 'x'.repeat(121));
        case 'connection-string':
        case 'ncrontab':
        case 'select-list':
            return fc.constant('not valid');
    }
}

/** Each generated bad value of one of `settings`, given to `load`, is refused naming that setting alone. */
function assertEachBadValueNamedAlone(
    settings: readonly SettingDefinition[],
    load: (env: Record<string, string>) => unknown,
    numRuns: number,
): void {
    const arbitrary = fc.constantFrom(...settings).chain((d) => fc.tuple(fc.constant(d), badValues(d.kind)));
    fc.assert(
        fc.property(arbitrary, ([d, value]) => {
            try {
                load({ [d.name]: value });
            } catch (error) {
                return error instanceof ConfigurationError && error.settings.length === 1 && error.settings[0] === d.name;
            }
            return false;
        }),
        { numRuns },
    );
}

describe('configuration fuzz', () => {
    it('each required setting missing or empty is named', () => {
        for (const d of core.filter((s) => s.required)) {
            for (const value of [undefined, '', '   ']) {
                const env = { ...valid, [d.name]: value };
                assert.throws(
                    () => loadCoreSettings(env),
                    (e: unknown) =>
                        e instanceof ConfigurationError && e.settings.includes(d.name) && e.message.includes(`${d.name} is required`),
                );
            }
        }
    });

    /** Settings that only some GRAPH_CREDENTIAL modes require, with an environment of each such mode. */
    const requiredByMode: readonly [string, Record<string, string>][] = [
        ['KEY_VAULT_URL', valid],
        ['KEY_VAULT_URL', { ...valid, GRAPH_CREDENTIAL: 'keyVaultCertificate' }],
        ['AZURE_CLIENT_ID', { ...valid, GRAPH_CREDENTIAL: 'managedIdentity', AZURE_CLIENT_ID: 'uami-client-id' }],
    ];

    it('a setting the chosen credential mode requires, missing or empty, is named with the mode', () => {
        for (const [name, env] of requiredByMode) {
            for (const value of [undefined, '', '   ']) {
                assert.throws(
                    () => loadCoreSettings({ ...env, [name]: value }),
                    (e: unknown) =>
                        e instanceof ConfigurationError &&
                        e.settings.includes(name) &&
                        e.message.includes(`${name} is required when GRAPH_CREDENTIAL is ${env.GRAPH_CREDENTIAL ?? 'keyVaultSecret'}`),
                );
            }
        }
    });

    it('an empty optional setting falls back to its documented default (in a mode that does not require it)', () => {
        const managedIdentity = { ...valid, GRAPH_CREDENTIAL: 'managedIdentity', AZURE_CLIENT_ID: 'uami-client-id' };
        for (const d of core.filter((s) => !s.required)) {
            const env = d.name === 'KEY_VAULT_URL' ? managedIdentity : valid;
            assert.doesNotThrow(() => loadCoreSettings({ ...env, [d.name]: '' }), d.name);
        }
    });

    it('a wrong type or URL scheme in any setting is named, alone (2,000 generated cases)', () => {
        assertEachBadValueNamedAlone(core, (env) => loadCoreSettings({ ...valid, ...env }), 2000);
    });

    it('a bad caller-authorization setting is named, alone (300 generated cases); a tenant alias is refused', () => {
        const callerSettings = settingDefinitions.filter((d) => d.name === 'API_AUDIENCE' || d.name === 'API_REQUIRED_ROLE');
        const callerValid = { ...valid, API_AUDIENCE: `${valid.GRAPH_CLIENT_ID!},api://${valid.GRAPH_CLIENT_ID!}` };
        assertEachBadValueNamedAlone(callerSettings, (env) => loadCallerAuthSettings({ ...callerValid, ...env }), 300);
        for (const alias of ['common', 'organizations', 'Consumers']) {
            assert.throws(
                () => loadCallerAuthSettings({ ...callerValid, GRAPH_TENANT_ID: alias }),
                (e: unknown) => e instanceof ConfigurationError && e.settings.join() === 'GRAPH_TENANT_ID',
            );
        }
        assert.equal(loadCallerAuthSettings({ ...valid, API_AUDIENCE: '  ' }), undefined, 'blank is unset: function-key mode');
    });

    it('several bad settings are all named in one error', () => {
        const error = (() => {
            try {
                loadCoreSettings({ KEY_VAULT_URL: 'http://kv', AUTHORITY_HOST: 'http://login', SECRET_CACHE_TTL_SECONDS: 'x' });
            } catch (e) {
                return e as ConfigurationError;
            }
            return undefined;
        })();
        assert.ok(error instanceof ConfigurationError);
        assert.deepEqual([...error.settings].sort(), [
            'AUTHORITY_HOST',
            'GRAPH_CLIENT_ID',
            'GRAPH_TENANT_ID',
            'KEY_VAULT_URL',
            'SECRET_CACHE_TTL_SECONDS',
        ]);
    });

    it('registration succeeds with a broken configuration; the first request gets a 500 naming the setting', async () => {
        const saved = { ...process.env };
        process.env.KEY_VAULT_URL = 'http://kv.example';
        delete process.env.GRAPH_TENANT_ID;
        const http = mock.method(app, 'http', () => undefined);
        const timer = mock.method(app, 'timer', () => undefined);
        try {
            await import('../../src/functions/users.js');
            await import('../../src/functions/usersExport.js');
            assert.ok(http.mock.callCount() >= 1);
            assert.equal(timer.mock.callCount(), 1);
        } finally {
            http.mock.restore();
            timer.mock.restore();
        }
        const handler = createUsersHttpHandler(
            () => createRuntime(process.env),
            () => functionKeyAuthorizer,
        );
        const logs = new LogCapture();
        const response = await handler(
            new HttpRequest({ method: 'GET', url: 'https://localhost/api/users', headers: {} }),
            new InvocationContext({ invocationId: 'cfg', functionName: 'users', logHandler: logs.logHandler }),
        );
        process.env = saved;
        hygiene.recordHandlerResponse(response);
        assert.equal(response.status, 500);
        const body = response.jsonBody as { code: string; detail: string; invocationId: string };
        assert.equal(body.code, 'ConfigurationInvalid');
        assert.equal(body.invocationId, 'cfg');
        // The caller learns the code; the operator's log names every bad setting, under the same invocation id.
        assert.doesNotMatch(body.detail, /GRAPH_TENANT_ID|KEY_VAULT_URL/);
        const failure = logs.lines.find((l) => l.includes('ConfigurationInvalid:'));
        assert.ok(failure, logs.lines.join('\n'));
        assert.match(failure, /GRAPH_TENANT_ID is required/);
        assert.match(failure, /KEY_VAULT_URL must use https/);
        assert.match(failure, /invocationId cfg/);
    });
});
