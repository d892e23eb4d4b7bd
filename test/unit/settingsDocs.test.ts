/** The README's settings table and local.settings.json.example must say what the registry says. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { settingDefinitions } from '../../src/config/settingDefinitions.js';

const readme = readFileSync('README.md', 'utf8');

function readmeSettingsTable(): Map<string, { meaning: string; defaultValue: string }> {
    const start = readme.indexOf('<!-- settings-table:start -->');
    const end = readme.indexOf('<!-- settings-table:end -->');
    assert.ok(start >= 0 && end > start, 'README has the settings table markers');
    const rows = readme
        .slice(start, end)
        .split('\n')
        .filter((line) => line.startsWith('| `'));
    return new Map(
        rows.map((row) => {
            const cells = row.split(' | ').map((c) => c.replace(/^\| /, '').replace(/ \|$/, ''));
            return [cells[0]!.replaceAll('`', ''), { meaning: cells[1]!, defaultValue: cells[2]!.replaceAll('`', '') }];
        }),
    );
}

describe('settings documentation', () => {
    it('the README table lists exactly the registry, with the same meaning and defaults', () => {
        const table = readmeSettingsTable();
        assert.deepEqual(
            [...table.keys()],
            settingDefinitions.map((d) => d.name),
        );
        for (const d of settingDefinitions) {
            const row = table.get(d.name)!;
            assert.equal(row.meaning, d.description, d.name);
            const expected = 'defaultValue' in d ? d.defaultValue : d.required ? 'required' : 'unset';
            assert.equal(row.defaultValue, expected, d.name);
        }
    });

    it('local.settings.json.example uses only registry names plus the host settings, with registry defaults', () => {
        const example = JSON.parse(readFileSync('local.settings.json.example', 'utf8')) as { Values: Record<string, string> };
        const worker = JSON.parse(readFileSync('src/runtime/nodeWorkerSettings.json', 'utf8')) as Record<string, string>;
        for (const [name, value] of Object.entries(worker)) assert.equal(example.Values[name], value, name);
        const host = new Set(['FUNCTIONS_WORKER_RUNTIME', 'AzureWebJobsStorage', ...Object.keys(worker)]);
        for (const [name, value] of Object.entries(example.Values)) {
            if (host.has(name)) continue;
            const definition = settingDefinitions.find((d) => d.name === name);
            assert.ok(definition, `${name} is not in the settings registry`);
            if ('defaultValue' in definition) assert.equal(value, definition.defaultValue, name);
        }
        for (const d of settingDefinitions.filter((s) => s.required)) assert.ok(d.name in example.Values, `${d.name} missing`);
    });

    it('the README test command is the one .ci/run runs', () => {
        assert.match(readme, /^npm test\s/m);
        assert.match(readFileSync('.ci/run', 'utf8'), /^npm test$/m);
    });
});
