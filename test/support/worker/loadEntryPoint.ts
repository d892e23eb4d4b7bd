import { globSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkerAppState } from './WorkerAppState.js';

interface PackageJson {
    readonly main?: string;
    readonly type?: string;
}

function readPackageJson(appDirectory: string): PackageJson {
    const parsed: unknown = JSON.parse(readFileSync(join(appDirectory, 'package.json'), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('package.json is not an object');
    const { main, type } = parsed as Record<string, unknown>;
    // The worker ignores fields of an unexpected type.
    return { ...(typeof main === 'string' ? { main } : {}), ...(typeof type === 'string' ? { type } : {}) };
}

/** The worker's rule (src/loadScriptFile.ts isESModule): .mjs and .cjs decide, else package.json `type`. */
function isEsModule(file: string, packageJson: PackageJson): boolean {
    if (file.endsWith('.mjs')) return true;
    if (file.endsWith('.cjs')) return false;
    return packageJson.type === 'module';
}

/**
 * Loads the app as the worker does at start-up (src/startApp.ts, loadEntryPointFile): every file
 * matching package.json `main` (a glob or a path), in glob order, ESM through `import()`,
 * CommonJS through `require`. Returns the files loaded, relative to `appDirectory`.
 */
export async function loadEntryPoint(appDirectory: string, app: WorkerAppState): Promise<string[]> {
    const packageJson = readPackageJson(appDirectory);
    if (packageJson.main === undefined)
        throw new Error(`${join(appDirectory, 'package.json')} has no "main": the worker would load nothing.`);
    const files = globSync(packageJson.main, { cwd: appDirectory });
    if (files.length === 0)
        throw new Error(`Worker was unable to load entry point "${packageJson.main}": no file matches (run npm run build).`);
    const require = createRequire(join(appDirectory, 'package.json'));
    for (const file of files) {
        const path = join(appDirectory, file);
        app.currentEntryPoint = path;
        try {
            if (isEsModule(path, packageJson)) await import(pathToFileURL(path).href);
            else require(path);
        } catch (error) {
            throw new Error(`Worker was unable to load entry point "${file}": ${error instanceof Error ? error.message : String(error)}`, {
                cause: error,
            });
        } finally {
            app.currentEntryPoint = undefined;
        }
    }
    return files;
}
