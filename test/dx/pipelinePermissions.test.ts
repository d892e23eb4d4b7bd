/**
 * The deploy pipeline's identity needs no Microsoft Graph permission: an administrator creates or changes
 * the app registration by running the hook, and the pipeline only checks it. No document may ask for the
 * two Graph permissions the pipeline used to need: with one of them (the app role assignment write
 * permission) an identity can grant itself any app role, a known path to Global Administrator.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { evaluate } from '../infra/armExpression.js';
import { armOrSkip, moduleDeployment, repoRoot, resolveVariables, resourcesOf, type Json } from '../infra/tools.js';
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

/** Role definition ids no pipeline condition may ever allow (each lets its holder grant itself more, or read the credential). */
const PRIVILEGED_ROLES: Readonly<Record<string, string>> = {
    '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
    'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
    '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
    'f58310d9-a9f6-439a-9e8d-f62e7b41a168': 'Role Based Access Control Administrator',
    '00482a5a-887f-4fb3-b363-3b7fe8e74483': 'Key Vault Administrator',
    'b86a8fe4-44ce-4948-aee5-eccb2c155cd7': 'Key Vault Secrets Officer',
    'a4417e6f-fecd-4de8-b567-7b0420556985': 'Key Vault Certificates Officer',
};

/** The role definitions a pipeline provision assigns (GRANT_DEPLOYER_VAULT_OFFICER=false), by principal, over every mode. */
function pipelineProvisionGrants(main: Json): { identity: Set<string>; pipeline: Set<string> } {
    const grants = { identity: new Set<string>(), pipeline: new Set<string>() };
    for (const mode of ['keyVaultSecret', 'keyVaultCertificate', 'managedIdentity']) {
        const mainContext = { template: main, parameters: { graphCredentialType: mode }, environment: { name: 'AzureCloud' } };
        for (const name of ['rbac', 'keyvault-rbac']) {
            const deployment = moduleDeployment(main, name);
            if (deployment.condition !== undefined && evaluate(deployment.condition, mainContext) !== true) continue;
            const template = (deployment.properties as Json).template as Json;
            const parameters = { graphCredentialType: mode, grantDeployerVaultOfficer: false, deployerPrincipalId: 'p' };
            for (const ra of resourcesOf(template).filter((r) => r.type === 'Microsoft.Authorization/roleAssignments')) {
                if (ra.condition !== undefined && evaluate(ra.condition, { template, parameters, environment: {} }) !== true) continue;
                const properties = ra.properties as Json;
                const role = /'([0-9a-f-]{36})'/.exec(resolveVariables(String(properties.roleDefinitionId), template))?.[1];
                const principal = /parameters\('(\w+)'\)/.exec(String(properties.principalId))?.[1];
                assert.ok(role && principal, `unreadable role assignment ${String(ra.name)}`);
                (principal === 'deployerPrincipalId' ? grants.pipeline : grants.identity).add(role);
            }
        }
    }
    return grants;
}

const guids = (list: string): string[] =>
    [...list.matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g)].map((m) => m[0]).sort();

test("the pipeline's RBAC Administrator condition is mandatory and allows exactly the template's role assignments", (t) => {
    const contributing = readDoc('CONTRIBUTING.md');
    const section = contributing.slice(contributing.indexOf('## Deploying from GitHub Actions'));
    assert.doesNotMatch(section, /Prefer a condition|or Owner\b/);
    assert.match(section, /\*\*with the condition\s+below, which is mandatory\*\*/);
    const script = /```bash\n([\s\S]*?--condition-version 2\.0 --condition "\$CONDITION"\n)\s*```/.exec(section)?.[1];
    assert.ok(script, 'CONTRIBUTING has no `az role assignment create ... --condition` command');
    assert.match(
        script,
        /--role "Role Based Access Control Administrator" --scope "\/subscriptions\/\$SUBSCRIPTION\/resourceGroups\/\$RESOURCE_GROUP" \\\n\s+--condition-version 2\.0/,
    );
    const assigned = [...script.matchAll(/--role ("[^"]+"|\S+)/g)].map((m) => m[1]!.replaceAll('"', ''));
    assert.deepEqual(assigned, ['Contributor', 'Role Based Access Control Administrator']);
    // Run as written (bash, the list item's indentation removed), with the placeholders' names as values.
    const lines = script.replace(/^ {3}/gm, '');
    const build = /^CONDITION=\$\([\s\S]*^CONDITION=.*PIPELINE.*$/m.exec(lines)?.[0];
    assert.ok(build, 'CONTRIBUTING does not build CONDITION');
    assert.match(build, /<<'EOF'/, 'a quoted heredoc: no history or parameter expansion inside the condition');
    const built = spawnSync('bash', ['-c', `IDENTITY='$IDENTITY' PIPELINE='$PIPELINE'\n${build}\nprintf '%s' "$CONDITION"`], {
        encoding: 'utf8',
    });
    assert.equal(built.status, 0, built.stderr);
    const condition = built.stdout;
    const [writes = '', deletes = ''] = condition.split("AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'}))");
    const allowedWrites = new Map(
        [
            ...writes.matchAll(
                /RoleDefinitionId\] ForAnyOfAnyValues:GuidEquals\s*(?:\\\s*)?\{([^}]*)\}\s*(?:\\\s*)?AND @Request\[Microsoft\.Authorization\/roleAssignments:PrincipalId\] ForAnyOfAnyValues:GuidEquals \{\$(\w+)\}/g,
            ),
        ].map((m) => [m[2]!, guids(m[1]!)]),
    );
    assert.deepEqual([...allowedWrites.keys()].sort(), ['IDENTITY', 'PIPELINE'], condition);
    assert.match(script, /IDENTITY=\$\(azd env get-value AZURE_MANAGED_IDENTITY_PRINCIPAL_ID\)/);
    for (const id of guids(condition)) assert.equal(PRIVILEGED_ROLES[id], undefined, `the condition allows ${PRIVILEGED_ROLES[id] ?? id}`);

    const main = armOrSkip(t);
    if (!main) return;
    const grants = pipelineProvisionGrants(main);
    assert.deepEqual(allowedWrites.get('IDENTITY'), [...grants.identity].sort(), "the function identity's roles");
    assert.deepEqual(allowedWrites.get('PIPELINE'), [...grants.pipeline].sort(), "the pipeline's own roles");
    assert.deepEqual(guids(deletes), [...new Set([...grants.identity, ...grants.pipeline])].sort(), 'deletes');
});

test("SECURITY.md says plainly that the pipeline's Azure rights amount to the app's User.Read.All", () => {
    const security = readDoc('SECURITY.md').replace(/\s+/g, ' ');
    assert.match(security, /the pipeline's Azure rights amount to the app's `User\.Read\.All`/);
    assert.match(security, /\*\*must\*\* carry the condition in CONTRIBUTING/);
});
