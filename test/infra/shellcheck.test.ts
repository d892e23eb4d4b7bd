/**
 * shellcheck (Debian package `shellcheck`) on every bash script this repo ships for infra, the files
 * graph-app.sh sources (checked on their own too: shellcheck follows `source` for definitions but reports
 * nothing inside the sourced file), and the fake az/azd the hook tests use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { locateShellcheck, repoRoot, requireTool, run } from './tools.js';

const scripts = [
    ...['scripts/bicep', 'scripts/deploy', 'scripts/postprovision', 'scripts/postprovision/lib'].flatMap((dir) =>
        readdirSync(join(repoRoot, dir))
            .filter((f) => f.endsWith('.sh'))
            .map((f) => join(repoRoot, dir, f)),
    ),
    ...['az', 'azd', 'sleep'].map((f) => join(repoRoot, 'test', 'infra', 'fixtures', 'bin', f)),
    join(repoRoot, 'test', 'dx', 'fixtures', 'bin', 'gh'),
];

test('there are scripts to check', () => {
    assert.ok(scripts.some((s) => s.endsWith('graph-app.sh')));
    assert.ok(scripts.some((s) => s.endsWith('install-bicep.sh')));
    assert.ok(scripts.some((s) => s.endsWith('lib/federation.sh')));
});

for (const script of scripts) {
    test(`shellcheck ${relative(repoRoot, script)}`, (t) => {
        const shellcheck = requireTool(t, 'shellcheck', locateShellcheck(), 'Install it with `apt-get install -y shellcheck`.');
        if (!shellcheck) return;
        const r = run(shellcheck, ['--shell=bash', '--severity=style', '--external-sources', script]);
        assert.equal(r.status, 0, `shellcheck found problems:\n${r.stdout}${r.stderr}`);
    });
}
