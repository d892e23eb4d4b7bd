/**
 * The deploy pipeline's identity needs no Microsoft Graph permission: an administrator creates or changes
 * the app registration by running the hook, and the pipeline only checks it. No document may ask for the
 * two Graph permissions the pipeline used to need: with one of them (the app role assignment write
 * permission) an identity can grant itself any app role, a known path to Global Administrator.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../infra/tools.js';
import { readDoc } from './markdownTable.js';

// Spelled in two parts so this file does not trip its own check.
const FORBIDDEN = [['AppRoleAssignment', 'ReadWrite.All'].join('.'), ['Application', 'ReadWrite.All'].join('.')];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git', '.tools', '.azure', 'coverage']);
const DOC_FILE = /\.(md|ya?ml|sh|bicep|json|ts)$/;

function documents(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        if (e.isDirectory()) return SKIPPED_DIRS.has(e.name) ? [] : documents(join(dir, e.name));
        return DOC_FILE.test(e.name) && e.name !== 'package-lock.json' ? [join(dir, e.name)] : [];
    });
}

test('no document, workflow, script or template asks for the Graph permissions that let an identity escalate itself', () => {
    const files = documents(repoRoot);
    assert.ok(files.some((f) => f.endsWith('CONTRIBUTING.md')) && files.some((f) => f.endsWith('deploy.yml')), 'the walk found the docs');
    const hits = files.flatMap((file) => {
        const path = relative(repoRoot, file);
        const text = readDoc(path);
        return FORBIDDEN.filter((permission) => text.includes(permission)).map((permission) => `${path}: ${permission}`);
    });
    assert.deepEqual(hits, []);
});

test('CONTRIBUTING, the README and deploy.yml say who runs what: the administrator once, the pipeline with no Graph permission', () => {
    const contributing = readDoc('CONTRIBUTING.md');
    const section = contributing.slice(contributing.indexOf('## Deploying from GitHub Actions'));
    assert.match(section, /no Microsoft Graph permission/i);
    assert.match(section, /administrator/i);
    assert.match(section, /GRAPH_APP_SETUP=pipeline/);
    const readme = readDoc('README.md');
    const deploy = readme.slice(readme.indexOf('## Deploy to Azure'), readme.indexOf('## Troubleshooting'));
    assert.match(deploy, /### Who runs what/);
    for (const mode of ['managedIdentity', 'keyVaultCertificate', 'keyVaultSecret']) assert.match(deploy, new RegExp(`\`${mode}\``));
    const workflow = readDoc('.github/workflows/deploy.yml');
    assert.match(workflow, /^# .*NO Microsoft Graph permission/m);
    assert.match(workflow, /^\s+GRAPH_APP_SETUP:\s*pipeline$/m);
    assert.match(workflow, /^\s+GRANT_DEPLOYER_VAULT_OFFICER:\s*'false'$/m);
});
