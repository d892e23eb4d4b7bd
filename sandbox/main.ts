/**
 * `npm run sandbox`: starts the stand-ins and Azurite (blob, queue, table, in memory), then writes a
 * ready local.settings.json so that `func start` runs the app against them with no Azure account.
 * Stays up until SIGINT/SIGTERM. `--credential` picks the GRAPH_CREDENTIAL mode the settings are for. No
 * secret or key is ever written: the app reads them from the vault, or uses the managed identity.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startAzurite } from './startAzurite.js';
import { startSandbox, type SandboxCredential } from './startSandbox.js';

const CREDENTIALS: readonly SandboxCredential[] = ['keyVaultSecret', 'keyVaultCertificate', 'managedIdentity'];

const workerSettings = JSON.parse(
    readFileSync(fileURLToPath(new URL('../../src/runtime/nodeWorkerSettings.json', import.meta.url)), 'utf8'),
) as Record<string, string>;

/** Marks a local.settings.json this command wrote, so it never overwrites one a person wrote. */
const MARKER = 'GRAPH_USERS_SANDBOX';

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
const azurite = await startAzurite({ services: 'all' });
const localSettings = {
    IsEncrypted: false,
    Values: {
        FUNCTIONS_WORKER_RUNTIME: 'node',
        // The same worker flags as in Azure (infra/app/api.bicep reads the same file).
        ...workerSettings,
        // The host's own storage (timer leases) and the export both use this Azurite.
        AzureWebJobsStorage: azurite.connectionString,
        USERS_EXPORT_STORAGE: azurite.connectionString,
        USERS_EXPORT_SCHEDULE: '0 */5 * * * *',
        ...sandbox.settings,
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
console.log(text);
console.error(
    `Sandbox up with ${userCount} users (GRAPH_CREDENTIAL=${credential}); wrote ${target}. Run \`func start\` in another terminal; Ctrl+C stops the sandbox.`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
        // process.exit runs the exit hook that removes the temporary CA directory.
        void Promise.all([sandbox.close(), azurite.close()]).finally(() => process.exit(0));
    });
}
