import { readFileSync } from 'node:fs';

/**
 * The Node flags the Functions host passes to the deployed worker (app setting
 * `languageWorkers__node__arguments`, from src/runtime/nodeWorkerSettings.json, which Bicep and the
 * settings example read too), so a child measured in a test or the bench runs under the same V8
 * settings as the app in Azure.
 */
export const workerNodeArguments: readonly string[] = (
    JSON.parse(readFileSync(new URL('../../../src/runtime/nodeWorkerSettings.json', import.meta.url), 'utf8')) as {
        languageWorkers__node__arguments: string;
    }
).languageWorkers__node__arguments
    .split(' ')
    .filter((a) => a !== '');
