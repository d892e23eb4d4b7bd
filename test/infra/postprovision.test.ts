/**
 * Behaviour of scripts/postprovision/graph-app.sh against the fake `az`/`azd` (test/infra/fixtures/bin), per
 * GRAPH_CREDENTIAL mode and per runner (an administrator's run, a pipeline's): creation, idempotent
 * re-runs, rotation, the tenant policy that refuses secrets, national clouds, and that no credential is
 * ever printed or passed as an argument (checked after every run by fakeAzure.ts).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import {
    API_APP_ID,
    API_SP_ID,
    APP_ID,
    IDENTITY_PRINCIPAL_ID,
    PROVISIONED_ENV,
    TENANT,
    dotenv,
    lines,
    newState,
    read,
    runHook,
} from './fakeAzure.js';

const ROLE_ID = 'df021288-bdef-4463-88db-98f22de89214';
/** The signed-in principal, as the fake `az` answers; an app registration the hook did not create. */
const DEPLOYER_ID = 'd0d0d0d0-0000-4000-8000-0000000000d1';
const FOREIGN_APP_ID = 'f0f0f0f0-0000-4000-8000-0000000000f1';

/** Runs `body` with a fresh fake Azure and removes it afterwards. */
async function withState(body: (state: string) => Promise<void>, ...args: Parameters<typeof newState>): Promise<void> {
    const state = newState(...args);
    try {
        await body(state);
    } finally {
        rmSync(state, { recursive: true, force: true });
    }
}

const keyIds = (state: string, file: string): string[] => lines(state, file).map((l) => l.split(' ')[0]!);

describe('keyVaultSecret (default)', () => {
    test('ensure: creates app, service principal, consent, secret in Key Vault, GRAPH_CLIENT_ID; re-run is idempotent', () =>
        withState(async (state) => {
            const first = await runHook(state, 'ensure');
            assert.equal(first.status, 0, first.output);
            assert.equal(read(state, 'app_id').trim(), APP_ID);
            assert.ok(read(state, 'sp_id'), 'service principal created');
            assert.ok(
                first.calls.some((c) => c.includes(`api-permissions ${ROLE_ID}=Role`)),
                'User.Read.All declared',
            );
            assert.ok(
                first.calls.some((c) => c.startsWith('rest ') && c.includes('appRoleAssignedTo')),
                'admin consent granted',
            );
            assert.equal(read(state, 'vault_value'), 'FAKE-SECRET-1-value', 'secret stored verbatim, no trailing newline');
            assert.equal(read(state, 'vault_keyid').trim(), 'key-1');
            assert.match(read(state, 'appsettings'), new RegExp(`^GRAPH_CLIENT_ID=${APP_ID}$`, 'm'));
            assert.match(read(state, 'azd.env'), new RegExp(`GRAPH_CLIENT_ID="${APP_ID}"`));
            assert.ok(first.calls.some((c) => c.includes('ad app create --display-name graph-users-dev')));
            assert.ok(first.calls.some((c) => /credential reset .*--append .*--end-date \d{4}-\d\d-\d\dT/.test(c)));
            // The secret's value is never fetched back, not even into az (metadata listing only).
            assert.ok(!first.calls.some((c) => c.startsWith('keyvault secret show')));

            const second = await runHook(state, 'ensure');
            assert.equal(second.status, 0, second.output);
            assert.equal(lines(state, 'vault_versions').length, 1, 'no second secret on re-run');
            assert.equal(lines(state, 'creds').length, 1, 'no second credential on re-run');
            assert.match(second.output, /already granted/);
            assert.ok(!second.calls.some((c) => c.startsWith('ad app create')), 'app reused');
        }));

    test('ensure without the directory role: says so and prints the admin consent URL, still stores the secret', () =>
        withState(async (state) => {
            const r = await runHook(state, 'ensure', { FAKE_CONSENT: 'forbidden' });
            assert.equal(r.status, 0, r.output);
            assert.match(r.output, /lack the directory role to grant admin consent \(403 on appRoleAssignedTo\)/);
            assert.ok(r.output.includes(`https://login.microsoftonline.com/${TENANT}/adminconsent?client_id=${APP_ID}`), r.output);
            assert.equal(read(state, 'granted'), '');
            assert.equal(read(state, 'vault_value'), 'FAKE-SECRET-1-value');
        }));

    test('a tenant policy that refuses secrets (CredentialTypeNotAllowedAsPerAppPolicy) stops ensure and points at managedIdentity', () =>
        withState(async (state) => {
            // The fake prints what real az prints: Graph's message only, without the code.
            const r = await runHook(state, 'ensure', { FAKE_RESET: 'policy' });
            assert.notEqual(r.status, 0);
            assert.match(r.output, /ERROR: Credential type not allowed as per assigned policy\./, "az's own message is shown");
            assert.match(r.output, /app management policy refuses this kind of credential \(CredentialTypeNotAllowedAsPerAppPolicy\)/);
            assert.match(r.output, /azd env set GRAPH_CREDENTIAL managedIdentity/);
            assert.doesNotMatch(r.output, /Key Vault/, 'not reported as a Key Vault problem');
            assert.equal(read(state, 'vault_value'), '', 'nothing written to the vault');
            assert.equal(lines(state, 'creds').length, 0, 'no credential left behind');
        }));

    test('a tenant policy that caps credential lifetimes (CredentialInvalidLifetimeAsPerAppPolicy) asks for a shorter GRAPH_CLIENT_SECRET_DAYS', () =>
        withState(async (state) => {
            const r = await runHook(state, 'ensure', { FAKE_RESET: 'lifetime', GRAPH_CLIENT_SECRET_DAYS: '365' });
            assert.notEqual(r.status, 0);
            assert.match(r.output, /lifetime exceeds the max value allowed as per assigned policy/);
            assert.match(r.output, /\(CredentialInvalidLifetimeAsPerAppPolicy\)/);
            assert.match(r.output, /azd env set GRAPH_CLIENT_SECRET_DAYS <fewer than 365>/);
            assert.doesNotMatch(r.output, /managedIdentity|Key Vault/);
            assert.equal(read(state, 'vault_value'), '');
        }));

    test("Graph refusing the secret for another reason is reported as Graph's refusal, not as a Key Vault problem", () =>
        withState(async (state) => {
            const r = await runHook(state, 'ensure', { FAKE_RESET: 'fail' });
            assert.notEqual(r.status, 0);
            assert.match(r.output, /ERROR: Insufficient privileges to complete the operation\./);
            assert.match(r.output, /Microsoft Graph refused to add a client secret to app 2222/);
            assert.doesNotMatch(r.output, /Key Vault Secrets Officer/);
            assert.equal(read(state, 'vault_value'), '');
        }));

    test('another policy refusal that is not about the credential type is not taken for CredentialTypeNotAllowedAsPerAppPolicy', () =>
        withState(async (state) => {
            const r = await runHook(state, 'ensure', { FAKE_RESET: 'otherpolicy' });
            assert.notEqual(r.status, 0);
            assert.match(r.output, /ERROR: Display name not allowed as per assigned policy\./);
            assert.match(r.output, /Microsoft Graph refused to add a client secret to app 2222/);
            assert.doesNotMatch(r.output, /CredentialTypeNotAllowedAsPerAppPolicy|managedIdentity/);
        }));

    test('Key Vault refusing the new secret is reported as a Key Vault problem, and the credential Graph created is removed', () =>
        withState(async (state) => {
            const r = await runHook(state, 'ensure', { FAKE_VAULT_SET: 'fail' });
            assert.notEqual(r.status, 0);
            assert.match(r.output, /Caller is not authorized to perform action on resource/, "Key Vault's own message is shown");
            assert.match(r.output, /Key Vault kv-x refused the new client secret.*Key Vault Secrets Officer/s);
            assert.doesNotMatch(r.output, /Microsoft Graph refused|policy/);
            assert.deepEqual(lines(state, 'deleted'), ['key-1'], 'the orphaned credential is deleted');
            assert.equal(lines(state, 'creds').length, 0);
        }));

    test('rotate-secret: a failed credential reset never writes an empty secret version', () =>
        withState(async (state) => {
            assert.equal((await runHook(state, 'ensure')).status, 0);
            const before = read(state, 'vault_value');
            const r = await runHook(state, 'rotate-secret', { FAKE_SLEEP: 'record', FAKE_RESET: 'fail' });
            assert.notEqual(r.status, 0, r.output);
            assert.equal(read(state, 'vault_value'), before, 'the vault keeps the working secret');
        }));

    test('ROTATE_GRACE_SECONDS below 180 is refused before any change, naming the setting', async () => {
        for (const grace of ['0', '179', '0179']) {
            await withState(async (state) => {
                assert.equal((await runHook(state, 'ensure')).status, 0);
                const r = await runHook(state, 'rotate-secret', { FAKE_SLEEP: 'record', ROTATE_GRACE_SECONDS: grace });
                assert.notEqual(r.status, 0, grace);
                assert.match(r.output, new RegExp(`ROTATE_GRACE_SECONDS must be at least 180 .*not ${grace}`), grace);
                assert.ok(!r.calls.some((c) => c.startsWith('ad app credential')), grace);
                assert.deepEqual(keyIds(state, 'creds'), ['key-1'], grace);
            });
        }
    });

    test('rotate-secret: new credential, new Key Vault version, old credential removed by keyId', () =>
        withState(async (state) => {
            assert.equal((await runHook(state, 'ensure')).status, 0);
            const r = await runHook(state, 'rotate-secret', { FAKE_SLEEP: 'record' });
            assert.equal(r.status, 0, r.output);
            assert.deepEqual(lines(state, 'sleeps'), ['sleep 600'], 'the default grace period, before the removal');
            assert.equal(read(state, 'vault_value'), 'FAKE-SECRET-2-value');
            assert.equal(read(state, 'vault_keyid').trim(), 'key-2');
            assert.deepEqual(lines(state, 'deleted'), ['key-1']);
            assert.deepEqual(keyIds(state, 'creds'), ['key-2']);
            assert.equal(lines(state, 'vault_versions').length, 2);
        }));

    test('refuses to run against another tenant than GRAPH_TENANT_ID', () =>
        withState(async (state) => {
            const r = await runHook(state, 'ensure', { GRAPH_TENANT_ID: '55555555-5555-5555-5555-555555555555' });
            assert.notEqual(r.status, 0);
            assert.match(r.output, /az login --tenant 55555555/);
            assert.equal(read(state, 'app_id'), '');
        }));
});

describe('keyVaultCertificate', () => {
    const cert = { GRAPH_CREDENTIAL: 'keyVaultCertificate' };

    test('ensure: a Key Vault certificate (exportable key, PEM, no auto-renew) whose public part is registered; no secret anywhere', () =>
        withState(async (state) => {
            const r = await runHook(state, 'ensure', cert);
            assert.equal(r.status, 0, r.output);
            const policy = JSON.parse(read(state, 'cert_policy.json')) as {
                keyProperties: { exportable: boolean; keyType: string; keySize: number; reuseKey: boolean };
                secretProperties: { contentType: string };
                lifetimeActions: { action: { actionType: string } }[];
                x509CertificateProperties: { validityInMonths: number; ekus: string[] };
            };
            assert.deepEqual(policy.keyProperties, { exportable: true, keyType: 'RSA', keySize: 3072, reuseKey: false });
            assert.equal(policy.secretProperties.contentType, 'application/x-pem-file');
            assert.deepEqual(
                policy.lifetimeActions.map((a) => a.action.actionType),
                ['EmailContacts'],
                'no AutoRenew: Key Vault must never create a version that is not registered on the app',
            );
            assert.equal(policy.x509CertificateProperties.validityInMonths, 12);
            assert.deepEqual(policy.x509CertificateProperties.ekus, ['1.3.6.1.5.5.7.3.2']);
            // Registered from Key Vault by az (the certificate, not its secret), tagged with the keyId.
            assert.ok(
                r.calls.some((c) =>
                    /^ad app credential reset .*--append --keyvault kv-x --cert graph-client-certificate --end-date \S+ --display-name/.test(
                        c,
                    ),
                ),
                r.calls.join('\n'),
            );
            assert.deepEqual(keyIds(state, 'keycreds'), ['cert-key-1-v1']);
            assert.equal(read(state, 'cert_keyid').trim(), 'cert-key-1-v1');
            // No client secret, and the private key is never requested.
            assert.equal(lines(state, 'creds').length, 0);
            assert.ok(!r.calls.some((c) => c.startsWith('keyvault secret') || c.includes('certificate download')), r.calls.join('\n'));
            assert.match(read(state, 'appsettings'), new RegExp(`GRAPH_CLIENT_ID=${APP_ID}`));

            const again = await runHook(state, 'ensure', cert);
            assert.equal(again.status, 0, again.output);
            assert.equal(lines(state, 'cert_versions').length, 1, 'no second version on re-run');
            assert.equal(lines(state, 'keycreds').length, 1, 'no second key credential on re-run');
        }));

    test('rotate-certificate: a new version, registered, then the old key credential removed by keyId', () =>
        withState(async (state) => {
            assert.equal((await runHook(state, 'ensure', cert)).status, 0);
            const r = await runHook(state, 'rotate-certificate', { ...cert, FAKE_SLEEP: 'record', ROTATE_GRACE_SECONDS: '180' });
            assert.equal(r.status, 0, r.output);
            assert.equal(lines(state, 'cert_versions').length, 2);
            assert.deepEqual(keyIds(state, 'keycreds'), ['cert-key-2-v2'], 'the new version registered, the old one removed');
            assert.equal(read(state, 'cert_keyid').trim(), 'cert-key-2-v2');
            assert.ok(r.calls.some((c) => /^ad app credential delete .*--key-id cert-key-1-v1 --cert/.test(c)));
            const order = r.calls
                .map((c) =>
                    c.startsWith('keyvault certificate create')
                        ? 'create'
                        : c.startsWith('ad app credential reset')
                          ? 'register'
                          : c.startsWith('ad app credential delete')
                            ? 'delete'
                            : '',
                )
                .filter(Boolean);
            assert.deepEqual(order, ['create', 'register', 'delete']);
        }));

    test('rotate-certificate refuses in another mode', () =>
        withState(async (state) => {
            const r = await runHook(state, 'rotate-certificate');
            assert.notEqual(r.status, 0);
            assert.match(r.output, /GRAPH_CREDENTIAL=keyVaultCertificate, but it is keyVaultSecret/);
        }));

    test('an existing certificate with a non-exportable key stops ensure with the fix', () =>
        withState(
            async (state) => {
                const r = await runHook(state, 'ensure', { ...cert, FAKE_CERT_EXPORTABLE: 'false' });
                assert.notEqual(r.status, 0);
                assert.match(r.output, /non-exportable key/);
                assert.match(r.output, /azd env set GRAPH_CLIENT_CERTIFICATE_NAME/);
            },
            undefined,
            { cert_versions: 'x\n' },
        ));

    test('a tenant policy that refuses the certificate points at managedIdentity', () =>
        withState(async (state) => {
            const r = await runHook(state, 'ensure', { ...cert, FAKE_CERT_RESET: 'policy' });
            assert.notEqual(r.status, 0);
            assert.match(r.output, /ERROR: Credential type not allowed as per assigned policy\./);
            assert.match(r.output, /\(CredentialTypeNotAllowedAsPerAppPolicy\)/);
            assert.match(r.output, /azd env set GRAPH_CREDENTIAL managedIdentity/);
        }));

    test('a tenant policy that caps the certificate lifetime asks for a shorter GRAPH_CLIENT_CERTIFICATE_MONTHS', () =>
        withState(async (state) => {
            const r = await runHook(state, 'ensure', { ...cert, FAKE_CERT_RESET: 'lifetime' });
            assert.notEqual(r.status, 0);
            assert.match(r.output, /\(CredentialInvalidLifetimeAsPerAppPolicy\)/);
            assert.match(r.output, /azd env set GRAPH_CLIENT_CERTIFICATE_MONTHS <fewer than 12>/);
            assert.match(r.output, /graph-app\.sh rotate-certificate/, 'a new, shorter version replaces the refused one');
            assert.doesNotMatch(r.output, /managedIdentity/);
        }));
});

describe('managedIdentity', () => {
    const mi = { GRAPH_CREDENTIAL: 'managedIdentity' };
    // No vault is provisioned in this mode (infra/main.bicep), so the azd outputs name none.
    const withoutVault = Object.fromEntries(Object.entries(PROVISIONED_ENV).filter(([k]) => k !== 'AZURE_KEY_VAULT_NAME'));
    const clouds = [
        ['https://login.microsoftonline.com', 'https://graph.microsoft.com', 'api://AzureADTokenExchange'],
        ['https://login.microsoftonline.us', 'https://graph.microsoft.us', 'api://AzureADTokenExchangeUSGov'],
        ['https://login.microsoftonline.us', 'https://dod-graph.microsoft.us', 'api://AzureADTokenExchangeUSGov'],
        ['https://login.chinacloudapi.cn', 'https://microsoftgraph.chinacloudapi.cn', 'api://AzureADTokenExchangeChina'],
    ] as const;

    for (const [authority, graph, audience] of clouds) {
        test(`ensure (${graph}): a federated credential for the function's identity, audience ${audience}; never a secret`, () =>
            withState(async (state) => {
                const r = await runHook(state, 'ensure', { ...mi, AUTHORITY_HOST: authority, GRAPH_ENDPOINT: graph });
                assert.equal(r.status, 0, r.output);
                assert.deepEqual(lines(state, 'fics'), [
                    `graph-users-id-api-x|${authority}/${TENANT}/v2.0|${IDENTITY_PRINCIPAL_ID}|${audience}`,
                ]);
                assert.ok(r.calls.some((c) => c.startsWith('ad app federated-credential create')));
                // No secret, no certificate, no vault in this mode (only the names of vaults an earlier mode left are listed).
                assert.ok(
                    !r.calls.some(
                        (c) =>
                            c.startsWith('ad app credential reset') ||
                            (c.startsWith('keyvault') && !c.startsWith('keyvault list -g rg-dev ')),
                    ),
                    r.calls.join('\n'),
                );
                // National clouds: every Graph REST call asks az for a token for GRAPH_ENDPOINT itself.
                const rest = r.calls.filter((c) => c.startsWith('rest '));
                assert.ok(rest.length >= 2);
                for (const call of rest)
                    assert.ok(call.startsWith(`rest --resource ${graph} `) && call.includes(`--url ${graph}/v1.0/`), call);
                assert.match(r.output, /AADSTS70021/, 'the propagation delay and the postdeploy check are explained');

                const again = await runHook(state, 'ensure', { ...mi, AUTHORITY_HOST: authority, GRAPH_ENDPOINT: graph });
                assert.equal(again.status, 0, again.output);
                assert.equal(lines(state, 'fics').length, 1, 'idempotent');
                assert.ok(!again.calls.some((c) => /federated-credential (create|update)/.test(c)));
            }, withoutVault));
    }

    test('a federated credential with the wrong audience (the cloud changed) is updated in place', () =>
        withState(
            async (state) => {
                const r = await runHook(state, 'ensure', {
                    ...mi,
                    AUTHORITY_HOST: 'https://login.microsoftonline.us',
                    GRAPH_ENDPOINT: 'https://graph.microsoft.us',
                });
                assert.equal(r.status, 0, r.output);
                assert.ok(
                    r.calls.some(
                        (c) => c.startsWith('ad app federated-credential update --id') && c.includes('--federated-credential-id old-name'),
                    ),
                );
                assert.deepEqual(lines(state, 'fics'), [
                    `old-name|https://login.microsoftonline.us/${TENANT}/v2.0|${IDENTITY_PRINCIPAL_ID}|api://AzureADTokenExchangeUSGov`,
                ]);
            },
            undefined,
            { fics: `old-name|https://login.microsoftonline.us/${TENANT}/v2.0|${IDENTITY_PRINCIPAL_ID}|api://AzureADTokenExchange\n` },
        ));

    test('refuses when the identity and the app registration would be in different tenants', () =>
        withState(async (state) => {
            const r = await runHook(state, 'ensure', { ...mi, AZURE_TENANT_ID: '77777777-7777-7777-7777-777777777777' });
            assert.notEqual(r.status, 0);
            assert.match(r.output, /managedIdentity needs the managed identity and the app registration in one tenant/);
            assert.equal(lines(state, 'fics').length, 0);
        }));

    test('names the client secrets and the Key Vault an earlier mode left behind', () =>
        withState(
            async (state) => {
                assert.equal((await runHook(state, 'ensure')).status, 0);
                // The provision in managedIdentity mode deploys no vault, but deletes none either (incremental).
                const r = await runHook(state, 'ensure', { ...mi, AZURE_KEY_VAULT_NAME: '' });
                assert.equal(r.status, 0, r.output);
                assert.match(r.output, /still has 1 client secret\(s\) and 0 certificate\(s\)/);
                assert.match(
                    r.output,
                    /Key Vault\(s\) kv-x in rg-dev, from an earlier GRAPH_CREDENTIAL mode, still hold that mode's\s+credential/,
                );
                assert.match(r.output, /Key Vault Secrets User/);
            },
            undefined,
            { vaults: 'kv-x\n' },
        ));

    test('names no vault when none is left', () =>
        withState(async (state) => {
            const r = await runHook(state, 'ensure', mi);
            assert.equal(r.status, 0, r.output);
            assert.doesNotMatch(r.output, /Key Vault\(s\)/);
        }));
});

describe('national clouds', () => {
    test('every az rest call carries --resource GRAPH_ENDPOINT (az sends no token to dod-graph.microsoft.us otherwise); consent URL on the cloud', () =>
        withState(async (state) => {
            const r = await runHook(state, 'ensure', {
                AUTHORITY_HOST: 'https://login.microsoftonline.us',
                GRAPH_ENDPOINT: 'https://dod-graph.microsoft.us/',
                FAKE_CONSENT: 'forbidden',
            });
            assert.equal(r.status, 0, r.output);
            const rest = r.calls.filter((c) => c.startsWith('rest '));
            // Consent (read, grant), then the API's registration and its role for the deployer.
            assert.ok(rest.length >= 2, r.calls.join('\n'));
            for (const call of rest) assert.ok(call.startsWith('rest --resource https://dod-graph.microsoft.us --method '), call);
            assert.ok(r.output.includes(`https://login.microsoftonline.us/${TENANT}/adminconsent?client_id=${APP_ID}`), r.output);
        }));
});

describe('in a pipeline (no Microsoft Graph permission)', () => {
    const pipeline = { GRAPH_APP_SETUP: 'pipeline', FAKE_NO_GRAPH: '1' };

    test('ensure makes no Graph call and passes once the administrator has set everything up, in every mode', async () => {
        for (const mode of ['keyVaultSecret', 'keyVaultCertificate', 'managedIdentity']) {
            await withState(async (state) => {
                const admin = await runHook(state, 'ensure', { GRAPH_CREDENTIAL: mode });
                assert.equal(admin.status, 0, admin.output);
                const r = await runHook(state, 'ensure', { ...pipeline, GRAPH_CREDENTIAL: mode });
                assert.equal(r.status, 0, `${mode}: ${r.output}`);
                assert.ok(!r.calls.some((c) => c.startsWith('ad ') || c.startsWith('rest ')), r.calls.join('\n'));
                assert.match(r.output, /no Microsoft Graph call was made/);
            });
        }
    });

    test('ensure fails clearly, naming the administrator, when their part is missing', async () => {
        const cases: [Record<string, string>, Record<string, string>, RegExp][] = [
            [
                {},
                {},
                /GRAPH_CLIENT_ID is empty: the app registration does not exist for this environment yet\. An administrator runs `azd up`/,
            ],
            [
                { GRAPH_CLIENT_ID: APP_ID },
                {},
                /Key Vault secret 'graph-client-secret' does not exist\. Only an administrator can create it/,
            ],
            [
                { GRAPH_CLIENT_ID: APP_ID, GRAPH_CREDENTIAL: 'keyVaultCertificate' },
                {},
                /Key Vault certificate 'graph-client-certificate' does not exist/,
            ],
            [{ GRAPH_CLIENT_ID: APP_ID }, { vault_versions: 'x\n' }, /expired on 2020-01-01.*graph-app\.sh rotate-secret/s],
        ];
        for (const [env, files, message] of cases) {
            await withState(
                async (state) => {
                    const r = await runHook(state, 'ensure', { ...pipeline, ...env, FAKE_SECRET_EXPIRES: '2020-01-01T00:00:00+00:00' });
                    assert.notEqual(r.status, 0, r.output);
                    assert.match(r.output, message);
                    assert.ok(!r.calls.some((c) => c.startsWith('ad ') || c.startsWith('rest ')));
                },
                undefined,
                files,
            );
        }
    });

    test('CI=true is detected as a pipeline; rotation is refused there', () =>
        withState(async (state) => {
            const r = await runHook(state, 'rotate-secret', { GRAPH_APP_SETUP: '', CI: 'true', FAKE_NO_GRAPH: '1' });
            assert.notEqual(r.status, 0);
            assert.match(r.output, /running in a pipeline \(CI detected\)/);
            assert.match(r.output, /an administrator runs it/);
        }));
});

describe("the API's own app registration and API_AUDIENCE", () => {
    test('ensure: App ID URI, app role for applications and users, Azure CLI pre-authorized, assignment required, the role for the deployer, API_AUDIENCE on the app and in azd; a re-run changes nothing', () =>
        withState(async (state) => {
            const first = await runHook(state, 'ensure');
            assert.equal(first.status, 0, first.output);
            assert.equal(read(state, 'api_app_id').trim(), API_APP_ID);
            assert.ok(
                first.calls.some((c) => c.startsWith('ad app create --display-name graph-users-dev-api --sign-in-audience AzureADMyOrg')),
            );
            assert.deepEqual(lines(state, 'api_uris'), [`api://${API_APP_ID}`]);
            const roles = JSON.parse(read(state, 'api_roles')) as { id: string; value: string; allowedMemberTypes: string[] }[];
            assert.equal(roles.length, 1);
            const [role] = roles;
            assert.ok(role);
            assert.equal(role.value, 'Users.Read.All');
            assert.deepEqual(role.allowedMemberTypes, ['Application', 'User']);
            assert.match(role.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
            const scopes = JSON.parse(read(state, 'api_scopes')) as { id: string; value: string }[];
            assert.deepEqual(
                scopes.map((x) => x.value),
                ['user_impersonation'],
            );
            assert.deepEqual(JSON.parse(read(state, 'api_preauth')), [
                { appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', delegatedPermissionIds: [scopes[0]?.id] },
            ]);
            assert.equal(read(state, 'api_version').trim(), '2');
            assert.equal(read(state, 'api_sp_id').trim(), API_SP_ID);
            assert.equal(read(state, 'api_assignment_required').trim(), 'true');
            assert.deepEqual(lines(state, 'api_assigned'), [`${DEPLOYER_ID} ${role.id}`], 'the deployer got the role');
            assert.ok(
                first.calls.filter((c) => c.startsWith('rest ')).every((c) => c.includes('--resource https://graph.microsoft.com')),
                'every Graph call names its resource',
            );
            assert.match(read(state, 'appsettings'), new RegExp(`^API_AUDIENCE=${API_APP_ID},api://${API_APP_ID}$`, 'm'));
            assert.equal(dotenv(state).API_AUDIENCE, `${API_APP_ID},api://${API_APP_ID}`);
            assert.match(
                read(state, 'appsettings'),
                new RegExp(`^GRAPH_CLIENT_ID=${APP_ID}$`, 'm'),
                'the Graph client is another registration',
            );
            assert.match(first.output, /appRoleAssignedTo/, 'says how to assign the role');
            assert.match(
                first.output,
                /WARNING: the signed-in principal d0d0d0d0-\S+ holds Users\.Read\.All on the API .*can read every user.*--method DELETE .*API_GRANT_DEPLOYER=false/s,
                'the standing right is said loudly, with how to remove it',
            );

            const second = await runHook(state, 'ensure');
            assert.equal(second.status, 0, second.output);
            assert.match(second.output, /reusing the API app registration a0a0a0a0/);
            assert.ok(!second.calls.some((c) => c.includes('--method PATCH') || c.includes('--method POST')), 'no change on a re-run');
            assert.equal(lines(state, 'api_patches').length, 2);
            assert.ok(!second.calls.some((c) => c.startsWith('ad app create')));
        }));

    test('a run that stops after creating the registrations has recorded their ids: the re-run takes them by id', () =>
        withState(async (state) => {
            // Graph refuses the client secret: the Graph client's registration exists, nothing is published yet.
            const noSecret = await runHook(state, 'ensure', { FAKE_RESET: 'fail' });
            assert.notEqual(noSecret.status, 0, noSecret.output);
            assert.equal(dotenv(state).GRAPH_CLIENT_ID, APP_ID, 'recorded before the failing step');
            assert.doesNotMatch(read(state, 'appsettings'), /GRAPH_CLIENT_ID/);
            // The deployer's API role fails: the API's registration exists, API_AUDIENCE is not published yet.
            const noGrant = await runHook(state, 'ensure', { FAKE_API_GRANT: 'fail' });
            assert.notEqual(noGrant.status, 0, noGrant.output);
            assert.equal(dotenv(state).API_AUDIENCE, `${API_APP_ID},api://${API_APP_ID}`, 'recorded before the failing step');
            assert.doesNotMatch(read(state, 'appsettings'), /API_AUDIENCE/);

            const again = await runHook(state, 'ensure');
            assert.equal(again.status, 0, again.output);
            assert.match(again.output, /reusing app registration 2222\S+ \(GRAPH_CLIENT_ID\)/);
            assert.equal(lines(state, 'creds').length, 1, 'one client secret');
            assert.match(again.output, /reusing the API app registration a0a0a0a0\S+ \(API_AUDIENCE\)/);
            assert.ok(
                !again.calls.some((c) => c.startsWith('ad app create') || c.startsWith('ad app list')),
                'no name lookup, no second app',
            );
        }));

    test("a foreign app whose name only starts with the API's name is not adopted: the hook creates its own", () =>
        withState(
            async (state) => {
                const r = await runHook(state, 'ensure');
                assert.equal(r.status, 0, r.output);
                assert.equal(read(state, 'api_app_id').trim(), API_APP_ID);
                assert.ok(!r.calls.some((c) => c.includes(FOREIGN_APP_ID)), 'the foreign app is never touched');
                assert.equal(dotenv(state).API_AUDIENCE, `${API_APP_ID},api://${API_APP_ID}`);
            },
            PROVISIONED_ENV,
            { foreign_apps: `${FOREIGN_APP_ID}\tgraph-users-dev-api-legacy\n` },
        ));

    test('an app with exactly the name is never adopted, not even one the signed-in principal owns alone: the hook stops before any change, with what to check', async () => {
        const clashes: [string, Record<string, string>][] = [
            ["another member's app", { foreign_apps: `${FOREIGN_APP_ID}\tgraph-users-dev-api\n` }],
            ['the same name in other case', { foreign_apps: `${FOREIGN_APP_ID}\tGraph-Users-Dev-API\n` }],
            // Sole ownership proves nothing: a squatter can add the administrator as owner and leave.
            ['one the hook could have created (API_AUDIENCE lost)', { api_app_id: `${FOREIGN_APP_ID}\n` }],
        ];
        for (const [name, files] of clashes) {
            await withState(
                async (state) => {
                    const r = await runHook(state, 'ensure');
                    assert.notEqual(r.status, 0, name);
                    assert.match(
                        r.output,
                        /an app registration named 'graph-users-dev-api' already exists, and API_AUDIENCE names none/,
                        name,
                    );
                    assert.match(r.output, /does not adopt a registration by its name/, name);
                    for (const check of [
                        `az ad app owner list --id ${FOREIGN_APP_ID}`,
                        `az ad sp owner list --id ${FOREIGN_APP_ID}`,
                        `az ad app credential list --id ${FOREIGN_APP_ID} --cert`,
                        `az ad sp credential list --id ${FOREIGN_APP_ID}`,
                        `az ad app federated-credential list --id ${FOREIGN_APP_ID}`,
                        `servicePrincipals(appId='${FOREIGN_APP_ID}')/appRoleAssignedTo`,
                        `azd env set API_AUDIENCE ${FOREIGN_APP_ID}`,
                        'azd env set API_APP_DISPLAY_NAME <another name>',
                    ]) {
                        assert.ok(r.output.includes(check), `${name}: ${check}\n${r.output}`);
                    }
                    assert.deepEqual(
                        r.calls.filter((c) => c.includes('graph-users-dev-api') || c.includes(FOREIGN_APP_ID)),
                        ["ad app list --filter displayName eq 'graph-users-dev-api' --query [].appId -o tsv"],
                        `${name}: only the name was looked up, the app is never touched`,
                    );
                    assert.doesNotMatch(read(state, 'appsettings'), /API_AUDIENCE/, name);
                    assert.equal(dotenv(state).API_AUDIENCE, undefined, name);
                },
                PROVISIONED_ENV,
                files,
            );
        }
    });

    test("the Graph client's registration: an app with exactly its name stops the hook before any change", () =>
        withState(
            async (state) => {
                const r = await runHook(state, 'ensure');
                assert.notEqual(r.status, 0);
                assert.match(r.output, /an app registration named 'graph-users-dev' already exists, and GRAPH_CLIENT_ID names none/);
                assert.match(r.output, new RegExp(`azd env set GRAPH_CLIENT_ID ${APP_ID}`));
                assert.match(r.output, /azd env set GRAPH_APP_DISPLAY_NAME <another name>/);
                assert.deepEqual(
                    r.calls.filter(
                        (c) => c.startsWith('ad ') || c.startsWith('rest ') || c.startsWith('keyvault') || c.startsWith('functionapp'),
                    ),
                    ["ad app list --filter displayName eq 'graph-users-dev' --query [].appId -o tsv"],
                    'nothing but the name lookup',
                );
                assert.equal(dotenv(state).GRAPH_CLIENT_ID, undefined);
            },
            PROVISIONED_ENV,
            { app_id: `${APP_ID}\n` },
        ));

    test('signed in as a service principal, the deployer is found by its appId; as a managed identity, the hook says it cannot name it', async () => {
        await withState(async (state) => {
            const r = await runHook(state, 'ensure', { FAKE_LOGIN: 'servicePrincipal' });
            assert.equal(r.status, 0, r.output);
            assert.ok(r.calls.includes('ad sp show --id e0e0e0e0-0000-4000-8000-0000000000e1 --query id -o tsv'));
            assert.equal(lines(state, 'api_assigned')[0]?.split(' ')[0], DEPLOYER_ID);
        });
        for (const identity of ['systemAssignedIdentity', 'userAssignedIdentity']) {
            await withState(async (state) => {
                const r = await runHook(state, 'ensure', { FAKE_LOGIN: 'servicePrincipal', FAKE_LOGIN_NAME: identity });
                assert.notEqual(r.status, 0, identity);
                assert.match(r.output, /signed in with a managed identity \(az login --identity\).*API_GRANT_DEPLOYER=false/, identity);
                assert.ok(!r.calls.some((c) => c.startsWith(`ad sp show --id ${identity}`)), identity);
                assert.equal(read(state, 'api_assigned'), '', identity);
            });
        }
    });

    test('API_REQUIRED_ROLE is held to the app role rule before any call; a quote in it is escaped in the query', async () => {
        for (const role of ['Users"Read', 'Users Read', 'Users\\Read', 'Rôle', 'x'.repeat(121)]) {
            await withState(async (state) => {
                const r = await runHook(state, 'ensure', { API_REQUIRED_ROLE: role });
                assert.notEqual(r.status, 0, role);
                assert.match(r.output, /API_REQUIRED_ROLE must be an app role value/, role);
                assert.ok(!r.calls.some((c) => c.includes('graph-users-dev-api') || c.includes('--method PATCH')), role);
            });
        }
        await withState(async (state) => {
            const r = await runHook(state, 'ensure', { API_REQUIRED_ROLE: "Users'Read" });
            assert.equal(r.status, 0, r.output);
            assert.ok(
                r.calls.some((c) => c.includes("--query appRoles[?value=='Users\\'Read'].id | [0]")),
                'the quote is escaped',
            );
            const roles = JSON.parse(read(state, 'api_roles')) as { value: string }[];
            assert.deepEqual(
                roles.map((x) => x.value),
                ["Users'Read"],
            );
        });
    });

    test('a pipeline makes no Graph call for the API and keeps the live API_AUDIENCE; API_REGISTRATION=skip opts out', () =>
        withState(
            async (state) => {
                const admin = await runHook(state, 'ensure', { API_REGISTRATION: 'skip' });
                assert.equal(admin.status, 0, admin.output);
                assert.match(admin.output, /API_REGISTRATION=skip.*function key alone/s);
                assert.equal(read(state, 'api_app_id'), '');
                assert.doesNotMatch(read(state, 'appsettings'), /API_AUDIENCE/);

                const pipeline = await runHook(state, 'ensure', { GRAPH_APP_SETUP: 'pipeline', FAKE_NO_GRAPH: '1' });
                assert.equal(pipeline.status, 0, pipeline.output);
                assert.match(pipeline.output, /API_AUDIENCE is empty: the function key alone guards the API/);
            },
            { ...PROVISIONED_ENV, GRAPH_CLIENT_ID: APP_ID },
            { vault_keyid: 'key-1\n', creds: 'key-1 graph-users-x\n', vault_versions: 'x\n' },
        ));
});
