/**
 * Shared helpers for test/infra: locating the Bicep CLI and shellcheck, building infra/main.bicep once,
 * and walking the compiled ARM template (modules compile to nested Microsoft.Resources/deployments).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';

/** Repository root: the working directory if it holds infra/, else three levels above dist/test/infra. */
export const repoRoot: string = (() => {
    if (existsSync(join(process.cwd(), 'infra', 'main.bicep'))) return process.cwd();
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 5; i++) {
        if (existsSync(join(dir, 'infra', 'main.bicep'))) return dir;
        dir = resolve(dir, '..');
    }
    return process.cwd();
})();

export const infraDir = join(repoRoot, 'infra');

function isExecutable(path: string): boolean {
    try {
        accessSync(path, constants.X_OK);
        return true;
    } catch {
        return false;
    }
}

function onPath(name: string): string | undefined {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
        if (dir && isExecutable(join(dir, name))) return join(dir, name);
    }
    return undefined;
}

/** Bicep CLI: $BICEP, then PATH, then ~/.azure/bin/bicep (az bicep install), then .tools/bicep/bin/bicep. */
export function locateBicep(): { path?: string; tried: string[] } {
    const tried: string[] = [];
    const fromEnv = process.env.BICEP;
    if (fromEnv) {
        tried.push(`$BICEP=${fromEnv}`);
        if (isExecutable(fromEnv)) return { path: fromEnv, tried };
    }
    tried.push('PATH');
    const fromPath = onPath('bicep');
    if (fromPath) return { path: fromPath, tried };
    for (const candidate of [join(homedir(), '.azure', 'bin', 'bicep'), join(repoRoot, '.tools', 'bicep', 'bin', 'bicep')]) {
        tried.push(candidate);
        if (isExecutable(candidate)) return { path: candidate, tried };
    }
    return { tried };
}

export function locateShellcheck(): { path?: string; tried: string[] } {
    const fromEnv = process.env.SHELLCHECK;
    if (fromEnv && isExecutable(fromEnv)) return { path: fromEnv, tried: [`$SHELLCHECK=${fromEnv}`] };
    const fromPath = onPath('shellcheck');
    return fromPath ? { path: fromPath, tried: ['PATH'] } : { tried: ['$SHELLCHECK', 'PATH'] };
}

/** OpenSSL, to make PKCS#12 files the way other tools do (legacy RC2/3DES and modern AES) for interop tests. */
export function locateOpenssl(): { path?: string; tried: string[] } {
    const fromPath = onPath('openssl');
    return fromPath ? { path: fromPath, tried: ['PATH'] } : { tried: ['PATH'] };
}

export const isCI = /^(1|true|yes)$/i.test(process.env.CI ?? '');

/**
 * Returns the tool's path, or: under CI=true fails the test; elsewhere skips it loudly (test report and a
 * console warning), so a missing tool is never a silent pass.
 */
export function requireTool(t: TestContext, name: string, found: { path?: string; tried: string[] }, hint: string): string | undefined {
    if (found.path) return found.path;
    const message = `${name} CLI not found: tried ${found.tried.join(', ')}. ${hint}`;
    if (isCI) assert.fail(`${message} (CI=true: a missing ${name} is a failure)`);
    console.warn(`\n!!! SKIPPED: ${message}\n`);
    t.skip(message);
    return undefined;
}

export const bicepHint = 'Install it with `bash scripts/bicep/install-bicep.sh` or set BICEP=/path/to/bicep.';

export interface RunResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

export function run(command: string, args: readonly string[], cwd = repoRoot): RunResult {
    const r = spawnSync(command, args, {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', BICEP_TRACING_ENABLED: 'false' },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 240_000,
    });
    if (r.error) throw r.error;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Lines of Bicep output that report a diagnostic ("file(line,col) : Warning|Error CODE: ..."). */
export function bicepDiagnostics(output: string): string[] {
    return output.split(/\r?\n/).filter((line) => /:\s*(Warning|Error)\s+[\w-]+:/i.test(line));
}

// ---- ARM template walking -------------------------------------------------------------------------

export type Json = Record<string, unknown>;

export interface ArmResource {
    type: string;
    name: string;
    scope?: string;
    properties: Json;
    raw: Json;
    /** The template that declares this resource (for its parameters and variables). */
    template: Json;
    /** Names of the nested deployments leading to it ('' = main). */
    deploymentPath: string[];
}

export function resourcesOf(template: Json): Json[] {
    const resources = template.resources;
    if (Array.isArray(resources)) return resources as Json[];
    if (resources && typeof resources === 'object') return Object.values(resources as Record<string, Json>);
    return [];
}

export function walkResources(template: Json, path: string[] = []): ArmResource[] {
    const out: ArmResource[] = [];
    for (const r of resourcesOf(template)) {
        const type = String(r.type);
        out.push({
            type,
            name: String(r.name),
            ...(typeof r.scope === 'string' ? { scope: r.scope } : {}),
            properties: (r.properties as Json | undefined) ?? {},
            raw: r,
            template,
            deploymentPath: path,
        });
        if (type === 'Microsoft.Resources/deployments') {
            const inner = (r.properties as Json | undefined)?.template as Json | undefined;
            if (inner) out.push(...walkResources(inner, [...path, String(r.name)]));
        }
    }
    return out;
}

/** The nested deployment (module) with this name, from the main template. */
export function moduleDeployment(main: Json, name: string): Json {
    const d = resourcesOf(main).find((r) => r.type === 'Microsoft.Resources/deployments' && r.name === name);
    assert.ok(d, `module deployment '${name}' not found in main.json`);
    return d;
}

/** The parameter values a module deployment receives (`{ name: value-or-expression }`). */
export function moduleParams(main: Json, name: string): Record<string, unknown> {
    const params = ((moduleDeployment(main, name).properties as Json).parameters ?? {}) as Record<string, Json>;
    return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.value]));
}

/** Replaces `variables('x').y` with the literal value from the declaring template, when it is a string. */
export function resolveVariables(expression: string, template: Json): string {
    const variables = (template.variables ?? {}) as Record<string, unknown>;
    return expression.replace(/variables\('([^']+)'\)\.(\w+)/g, (whole, v: string, key: string) => {
        const value = (variables[v] as Record<string, unknown> | undefined)?.[key];
        return typeof value === 'string' ? `'${value}'` : whole;
    });
}

let built: { template: Json; stdout: string; stderr: string; status: number | null } | undefined;

/** Builds infra/main.bicep once per process into a temp dir and returns the compiled template. */
export function buildMain(bicep: string): { template: Json; stdout: string; stderr: string; status: number | null } {
    if (built) return built;
    const out = mkdtempSync(join(tmpdir(), 'infra-arm-'));
    try {
        const outfile = join(out, 'main.json');
        const r = run(bicep, ['build', join(infraDir, 'main.bicep'), '--outfile', outfile]);
        assert.equal(r.status, 0, `bicep build failed:\n${r.stderr}${r.stdout}`);
        built = { template: JSON.parse(readFileSync(outfile, 'utf8')) as Json, ...r };
        return built;
    } finally {
        rmSync(out, { recursive: true, force: true });
    }
}

/** The compiled template, or undefined after the test was skipped (no bicep outside CI). */
export function armOrSkip(t: TestContext): Json | undefined {
    const bicep = requireTool(t, 'bicep', locateBicep(), bicepHint);
    return bicep ? buildMain(bicep).template : undefined;
}
