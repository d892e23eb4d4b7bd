/** .vscode/ must keep working for F5 debugging: the launch and task names refer to each other by label. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDoc } from './markdownTable.js';

interface Task {
    readonly label?: string;
    readonly type?: string;
    readonly command?: string;
    readonly script?: string;
    readonly dependsOn?: string | readonly string[];
    readonly problemMatcher?: unknown;
    readonly isBackground?: boolean;
}

function readJson(path: string): unknown {
    return JSON.parse(readDoc(path));
}

const tasks = (readJson('.vscode/tasks.json') as { tasks: Task[] }).tasks;
const byLabel = new Map(tasks.map((t) => [t.label, t]));

test('extensions.json recommends the Functions, Bicep, ESLint and Prettier extensions', () => {
    const { recommendations } = readJson('.vscode/extensions.json') as { recommendations: string[] };
    for (const id of [
        'ms-azuretools.vscode-azurefunctions',
        'ms-azuretools.vscode-bicep',
        'dbaeumer.vscode-eslint',
        'esbenp.prettier-vscode',
    ]) {
        assert.ok(recommendations.includes(id), `missing recommendation ${id}`);
    }
});

test('"func: host start" builds first and uses the Functions problem matcher', () => {
    const start = byLabel.get('func: host start');
    assert.ok(start);
    assert.equal(start.type, 'func');
    assert.equal(start.command, 'host start');
    assert.equal(start.problemMatcher, '$func-node-watch');
    assert.equal(start.isBackground, true);
    assert.equal(start.dependsOn, 'npm build (functions)');
    assert.equal(byLabel.get('npm build (functions)')?.command, 'npm run build');
    assert.equal(byLabel.get('npm: sandbox')?.script, 'sandbox');
});

test('every dependsOn and preLaunchTask names an existing task', () => {
    for (const task of tasks) {
        const deps = task.dependsOn === undefined ? [] : typeof task.dependsOn === 'string' ? [task.dependsOn] : task.dependsOn;
        for (const dep of deps) assert.ok(byLabel.has(dep), `task "${task.label ?? '?'}" depends on unknown "${dep}"`);
    }
    const { configurations } = readJson('.vscode/launch.json') as {
        configurations: { name: string; port?: number; preLaunchTask?: string }[];
    };
    const attach = configurations.find((c) => c.name === 'Attach to Node Functions');
    assert.ok(attach);
    assert.equal(attach.port, 9229);
    assert.equal(attach.preLaunchTask, 'func: host start');
    const settings = readJson('.vscode/settings.json') as Record<string, unknown>;
    for (const key of ['azureFunctions.preDeployTask', 'azureFunctions.postDeployTask']) {
        const label = settings[key];
        assert.ok(typeof label === 'string' && byLabel.has(label), `${key} must name a task, got ${String(label)}`);
    }
    assert.equal(settings['azureFunctions.projectRuntime'], '~4');
    assert.equal(settings['azureFunctions.projectLanguageModel'], 4);
    assert.equal(settings['azureFunctions.projectLanguage'], 'TypeScript');
    assert.equal(settings['azureFunctions.deploySubpath'], '.');
});
