/**
 * `bicep build` and `bicep lint` must report zero errors AND zero warnings: main.bicep (the only entry
 * file; modules compile through it) is built, and every .bicep file under infra/ is linted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { bicepDiagnostics, bicepHint, infraDir, locateBicep, repoRoot, requireTool, run } from './tools.js';

function bicepFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? bicepFiles(join(dir, e.name)) : e.name.endsWith('.bicep') ? [join(dir, e.name)] : [],
    );
}

const entryFiles = [join(infraDir, 'main.bicep')];
const allFiles = bicepFiles(infraDir);

test('infra/ has main.bicep and one module per concern, no registry modules', () => {
    const names = allFiles.map((f) => relative(infraDir, f)).sort();
    assert.ok(names.includes('main.bicep'));
    assert.ok(names.length >= 6, `expected main.bicep plus modules, got ${names.join(', ')}`);
    for (const f of allFiles) {
        const text = readFileSync(f, 'utf8');
        assert.doesNotMatch(
            text,
            /'br[:/]/,
            `${relative(repoRoot, f)} uses a registry module (br:/br/public:), which cannot compile offline`,
        );
    }
});

for (const entry of entryFiles) {
    test(`bicep build ${relative(repoRoot, entry)}: no errors, no warnings`, (t) => {
        const bicep = requireTool(t, 'bicep', locateBicep(), bicepHint);
        if (!bicep) return;
        const out = mkdtempSync(join(tmpdir(), 'bicep-build-'));
        try {
            const r = run(bicep, ['build', entry, '--outdir', out]);
            const diagnostics = bicepDiagnostics(r.stderr + r.stdout);
            assert.equal(r.status, 0, `bicep build exited ${r.status}:\n${r.stderr}`);
            assert.deepEqual(diagnostics, [], `bicep build reported diagnostics:\n${diagnostics.join('\n')}`);
        } finally {
            rmSync(out, { recursive: true, force: true });
        }
    });
}

for (const file of allFiles) {
    test(`bicep lint ${relative(repoRoot, file)}: no errors, no warnings`, (t) => {
        const bicep = requireTool(t, 'bicep', locateBicep(), bicepHint);
        if (!bicep) return;
        const r = run(bicep, ['lint', file]);
        const diagnostics = bicepDiagnostics(r.stderr + r.stdout);
        assert.equal(r.status, 0, `bicep lint exited ${r.status}:\n${r.stderr}`);
        assert.deepEqual(diagnostics, [], `bicep lint reported diagnostics:\n${diagnostics.join('\n')}`);
    });
}
