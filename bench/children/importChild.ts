/**
 * Cold start (a): the time to import the given modules in this fresh process, measured from
 * just before the first import. `sdk` imports the four Azure SDK packages; otherwise the
 * arguments are the files of the deployed entry.
 */
import { pathToFileURL } from 'node:url';
import { report } from './report.js';

const SDK_PACKAGES = ['@azure/functions', '@azure/msal-node', '@azure/identity', '@azure/keyvault-secrets'];

const args = process.argv.slice(2);
const specifiers = args[0] === 'sdk' ? SDK_PACKAGES : args.map((file) => pathToFileURL(file).href);
const started = performance.now();
for (const specifier of specifiers) await import(specifier);
report({ importMs: performance.now() - started });
