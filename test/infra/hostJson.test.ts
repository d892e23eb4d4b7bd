/**
 * host.json rules for what Application Insights keeps. The app's invocation summary
 * (`{"event":"graphUsers.invocation",...}`, logged at Information through context.log) and its error lines
 * (context.error) reach Application Insights as **Trace** telemetry: worker logs go through the host's
 * ILogger under the category `Function.<name>.User`. The host's adaptive sampling drops a share of every
 * type it samples, so Trace must never be sampled, nor Exception (a failed invocation) nor Request.
 *
 * The rules modelled here are the host's documented ones (learn.microsoft.com, functions-host-json,
 * "applicationInsights.samplingSettings" and "logging.logLevel"):
 * - recognised types: Dependency, Event, Exception, PageView, Request, Trace;
 * - `includedTypes`: the types that are sampled, an empty list meaning all types;
 * - `excludedTypes`: never sampled, and it overrides `includedTypes`;
 * - `logLevel`: the most specific category prefix wins, then `default` (Information when unset).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './tools.js';

const TELEMETRY_TYPES = ['Dependency', 'Event', 'Exception', 'PageView', 'Request', 'Trace'] as const;
const LEVELS = ['Trace', 'Debug', 'Information', 'Warning', 'Error', 'Critical', 'None'] as const;

interface HostJson {
    logging?: {
        logLevel?: Record<string, string>;
        applicationInsights?: { samplingSettings?: { isEnabled?: boolean; includedTypes?: string; excludedTypes?: string } };
    };
}

const typeList = (value: string | undefined): string[] =>
    (value ?? '')
        .split(';')
        .map((t) => t.trim())
        .filter(Boolean);

/** The telemetry types adaptive sampling may drop. */
function sampledTypes(host: HostJson): string[] {
    const sampling = host.logging?.applicationInsights?.samplingSettings;
    if (sampling?.isEnabled === false) return [];
    const included = typeList(sampling?.includedTypes);
    const excluded = new Set(typeList(sampling?.excludedTypes).map((t) => t.toLowerCase()));
    return (included.length > 0 ? included : [...TELEMETRY_TYPES]).filter((t) => !excluded.has(t.toLowerCase()));
}

/** The minimum level logged for a category. */
function effectiveLevel(host: HostJson, category: string): string {
    const levels = host.logging?.logLevel ?? {};
    const match = Object.keys(levels)
        .filter((key) => key !== 'default' && (category === key || category.startsWith(`${key}.`)))
        .sort((a, b) => b.length - a.length)[0];
    return match !== undefined ? levels[match]! : (levels.default ?? 'Information');
}

const host = JSON.parse(readFileSync(join(repoRoot, 'host.json'), 'utf8')) as HostJson;

function keepsInvocationSummaryAndErrors(config: HostJson): void {
    const sampled = sampledTypes(config);
    for (const type of ['Trace', 'Exception', 'Request']) {
        assert.ok(!sampled.includes(type), `${type} telemetry is sampled: ${sampled.join(', ')}`);
    }
    for (const fn of ['users', 'usersExport']) {
        const level = effectiveLevel(config, `Function.${fn}.User`);
        assert.ok(
            LEVELS.indexOf(level as (typeof LEVELS)[number]) <= LEVELS.indexOf('Information'),
            `Function.${fn}.User logs at ${level}`,
        );
    }
}

test('Application Insights sampling never drops the invocation summary (an Information trace) or an error line', () => {
    keepsInvocationSummaryAndErrors(host);
    // Sampling stays on where it pays (Dependency, Event), so volume stays bounded.
    assert.ok(sampledTypes(host).includes('Dependency'));
    for (const type of typeList(host.logging?.applicationInsights?.samplingSettings?.includedTypes)) {
        assert.ok((TELEMETRY_TYPES as readonly string[]).includes(type), `unknown telemetry type ${type}`);
    }
});

test('the rule fails the configurations that lose lines', () => {
    const lossy: HostJson[] = [
        { logging: { applicationInsights: { samplingSettings: { isEnabled: true, excludedTypes: 'Request' } } } },
        {
            logging: {
                applicationInsights: { samplingSettings: { isEnabled: true, includedTypes: 'Trace;Dependency', excludedTypes: 'Request' } },
            },
        },
        { logging: { applicationInsights: { samplingSettings: { isEnabled: true } } } },
        { logging: { logLevel: { Function: 'Warning' }, applicationInsights: { samplingSettings: { isEnabled: false } } } },
        { logging: { logLevel: { default: 'Error' } } },
    ];
    for (const config of lossy) {
        assert.throws(() => {
            keepsInvocationSummaryAndErrors(config);
        }, JSON.stringify(config));
    }
});
