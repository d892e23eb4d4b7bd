/**
 * Bundles the function app (tsc's output, dist/src/app.js) into dist/bundle: the deployed entry.
 * One ESM file holds the registrations and the core; the SDKs the first request needs (Key Vault,
 * identity, MSAL) and the storage SDK are split into chunks that load on first use, through the
 * dynamic imports in src/runtime/get*.ts. `@azure/functions` stays external: the host's worker
 * provides `@azure/functions-core` to it through `require`, and one copy must serve both the
 * worker and the app.
 */
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';

const OUT_DIR = 'dist/bundle';

await rm(OUT_DIR, { recursive: true, force: true });
const result = await build({
    entryPoints: { app: 'dist/src/app.js' },
    outdir: OUT_DIR,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    external: ['@azure/functions'],
    // Some SDK dependencies are CommonJS and call require() for Node built-ins.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: true,
    legalComments: 'linked',
    logLevel: 'warning',
    metafile: true,
});
const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
console.error(
    `Bundled ${outputs.length} files into ${OUT_DIR}: ${outputs.map(([file, o]) => `${file.slice(OUT_DIR.length + 1)} ${kib(o.bytes)}`).join(', ')}`,
);
