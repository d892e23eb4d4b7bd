/**
 * The test command: creates a throwaway sandbox CA, then runs node:test over the built tests
 * with NODE_EXTRA_CA_CERTS pointing at it (Node reads that variable only at process start).
 * Extra arguments are passed to `node --test` (e.g. a file glob).
 */
import { runTrustingSandboxCa } from '../sandbox/index.js';

const patterns = process.argv.slice(2);
process.exitCode = await runTrustingSandboxCa([
    '--test',
    '--test-concurrency=2',
    // The secret-hygiene guard watches every test process (see test/support/hygieneGuard.ts).
    '--import',
    './dist/test/support/hygieneGuard.js',
    ...(patterns.length > 0 ? patterns : ['dist/test/**/*.test.js']),
]);
