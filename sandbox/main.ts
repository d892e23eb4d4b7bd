/**
 * `npm run sandbox`: starts the stand-ins and prints a ready local.settings.json. Stays up until
 * SIGINT/SIGTERM. The client secret is never printed: the app reads it from the vault stand-in.
 */
import { parseArgs } from 'node:util';
import { startSandbox } from './startSandbox.js';

const { values } = parseArgs({
    options: {
        users: { type: 'string', default: '250' },
        seed: { type: 'string', default: '42' },
    },
});
const userCount = Number(values.users);
const seed = Number(values.seed);
if (!Number.isSafeInteger(userCount) || userCount < 0 || !Number.isSafeInteger(seed)) {
    console.error('usage: npm run sandbox -- [--users N] [--seed N]');
    process.exit(2);
}

const sandbox = await startSandbox({ userCount, seed });
const localSettings = {
    IsEncrypted: false,
    Values: {
        FUNCTIONS_WORKER_RUNTIME: 'node',
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        ...sandbox.settings,
    },
};
console.log(JSON.stringify(localSettings, null, 2));
console.error(`Sandbox up with ${userCount} users. Put the JSON above in local.settings.json; Ctrl+C stops it.`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
        // process.exit runs the exit hook that removes the temporary CA directory.
        void sandbox.close().finally(() => process.exit(0));
    });
}
