/**
 * `npm run sandbox`: starts the stand-ins and Azurite, then writes a ready local.settings.json so that
 * `func start` runs the app against them with no Azure account, with caller authorization on, and
 * prints (and writes to sandbox-callers.env) caller tokens to call the API with curl. Stays up until
 * SIGINT/SIGTERM. `--credential` picks the GRAPH_CREDENTIAL mode the settings are for. No secret or key
 * is ever written: the app reads them from the vault, or uses the managed identity.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFile } from 'node:fs/promises';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { parseArgs } from 'node:util';
import { BlobServiceClient } from '@azure/storage-blob';
import { SANDBOX_UNAUTHORIZED_APP_ID } from './CallerTokens.js';
import { issueServerCertificate, loadSandboxCa } from './SandboxCa.js';
import { startAzurite } from './startAzurite.js';
import { startSandbox, type SandboxCredential } from './startSandbox.js';

const CREDENTIALS: readonly SandboxCredential[] = ['keyVaultSecret', 'keyVaultCertificate', 'managedIdentity'];

const workerSettings = JSON.parse(
    readFileSync(fileURLToPath(new URL('../../src/runtime/nodeWorkerSettings.json', import.meta.url)), 'utf8'),
) as Record<string, string>;

/** Marks a local.settings.json this command wrote, so it never overwrites one a person wrote. */
const MARKER = 'GRAPH_USERS_SANDBOX';
/** Sandbox caller tokens live as long as a working day; they are worthless outside this sandbox. */
const CALLER_TOKEN_SECONDS = 12 * 3600;
const EXPORT_CONTAINER = 'users-export';

const { values } = parseArgs({
    options: {
        users: { type: 'string', default: '250' },
        seed: { type: 'string', default: '42' },
        out: { type: 'string', default: 'local.settings.json' },
        credential: { type: 'string', default: 'keyVaultSecret' },
    },
});
const credential = CREDENTIALS.find((c) => c === values.credential);
const userCount = Number(values.users);
const seed = Number(values.seed);
if (!Number.isSafeInteger(userCount) || userCount < 0 || !Number.isSafeInteger(seed) || credential === undefined) {
    console.error(`usage: npm run sandbox -- [--users N] [--seed N] [--out FILE] [--credential ${CREDENTIALS.join('|')}]`);
    process.exit(2);
}

const sandbox = await startSandbox({ userCount, seed, credential });
// The host's own storage (timer leases) over http, as `func start` expects; the export on a second
// Azurite over HTTPS with OAuth, reached with the managed identity as in Azure, so the download route's
// user delegation SAS works too.
const hostStorage = await startAzurite({ services: 'all' });
const ca = await loadSandboxCa(dirname(sandbox.settings.NODE_EXTRA_CA_CERTS ?? ''));
const exportStorage = await startAzurite({ oauth: await issueServerCertificate(ca) });
// This process did not start with NODE_EXTRA_CA_CERTS (func start's worker does): trust the sandbox CA
// here, in the tooling only, to create the container Bicep creates in Azure.
setDefaultCACertificates([...getCACertificates('default'), ca.certPem]);
await BlobServiceClient.fromConnectionString(exportStorage.connectionString).getContainerClient(EXPORT_CONTAINER).createIfNotExists();
const localSettings = {
    IsEncrypted: false,
    Values: {
        FUNCTIONS_WORKER_RUNTIME: 'node',
        // The same worker flags as in Azure (infra/app/api.bicep reads the same file).
        ...workerSettings,
        AzureWebJobsStorage: hostStorage.connectionString,
        USERS_EXPORT_STORAGE__blobServiceUri: exportStorage.blobEndpoint,
        USERS_EXPORT_STORAGE__credential: 'managedidentity',
        USERS_EXPORT_CONTAINER: EXPORT_CONTAINER,
        USERS_EXPORT_SCHEDULE: '0 */5 * * * *',
        ...sandbox.settings,
        // Callers need an Entra ID access token with the app role, as in a deployment.
        ...sandbox.callerTokens.settings,
        [MARKER]: 'true',
    },
};
const text = `${JSON.stringify(localSettings, null, 2)}\n`;

let target = values.out;
if (existsSync(target) && !readFileSync(target, 'utf8').includes(`"${MARKER}"`)) {
    target = target.replace(/\.json$/, '.sandbox.json');
    console.error(`${values.out} exists and was not written by the sandbox: leaving it alone, writing ${target} instead.`);
}
await writeFile(target, text, { mode: 0o600 });

const expiresInSeconds = CALLER_TOKEN_SECONDS;
const callers = {
    AUTHORIZED_TOKEN: await sandbox.callerTokens.issue({ expiresInSeconds }),
    UNAUTHORIZED_TOKEN: await sandbox.callerTokens.issue({ expiresInSeconds, roles: [], appId: SANDBOX_UNAUTHORIZED_APP_ID }),
    USER_TOKEN: await sandbox.callerTokens.issue({ expiresInSeconds, kind: 'user', version: 1 }),
};
const callersFile = join(dirname(target), 'sandbox-callers.env');
await writeFile(
    callersFile,
    [
        `# Caller tokens of this sandbox run (valid ${CALLER_TOKEN_SECONDS / 3600} h; worthless anywhere else). Use: source ${callersFile}`,
        ...Object.entries(callers).map(([name, token]) => `${name}='${token}'`),
        `SANDBOX_CA='${ca.certFile}'`,
        '',
    ].join('\n'),
    { mode: 0o600 },
);

console.log(text);
console.error(
    [
        `Sandbox up with ${userCount} users (GRAPH_CREDENTIAL=${credential}); wrote ${target}. Run \`func start\` in another terminal; Ctrl+C stops the sandbox.`,
        '',
        `Caller tokens (also in ${callersFile}; valid ${CALLER_TOKEN_SECONDS / 3600} h):`,
        `  AUTHORIZED_TOKEN    an application with the ${sandbox.callerTokens.requiredRole} app role`,
        '  UNAUTHORIZED_TOKEN  an application without it',
        `  USER_TOKEN          a user with the role (a v1.0 token)`,
        ...Object.entries(callers).map(([name, token]) => `${name}=${token}`),
        '',
        'Then, in another terminal:',
        `  source ${callersFile}`,
        '  curl -i "http://localhost:7071/api/users?top=5"                                                   # 401',
        '  curl -i -H "Authorization: Bearer $UNAUTHORIZED_TOKEN" "http://localhost:7071/api/users?top=5"    # 403',
        '  curl -i -H "Authorization: Bearer $AUTHORIZED_TOKEN" "http://localhost:7071/api/users?top=5"      # 200',
        '  curl -L --cacert "$SANDBOX_CA" -H "Authorization: Bearer $AUTHORIZED_TOKEN" http://localhost:7071/api/users/export/latest/content',
    ].join('\n'),
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
        // process.exit runs the exit hook that removes the temporary CA directory.
        void Promise.all([sandbox.close(), hostStorage.close(), exportStorage.close()]).finally(() => process.exit(0));
    });
}
