import { ConfigurationError } from '../errors/errorClasses.js';
import { isGuid } from './isGuid.js';
import { settingDefinitions, type SettingDefinition, type SettingName } from './settingDefinitions.js';

export type Environment = Readonly<Record<string, string | undefined>>;
export type SettingValue = string | boolean | number | readonly string[];

interface Problem {
    readonly name: string;
    readonly problem: string;
}

const definitionsByName = new Map<string, SettingDefinition>(settingDefinitions.map((d) => [d.name, d]));

/** Identifiers that go into URLs and MSAL: no whitespace, slashes or query characters. */
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,253}$/;
const NCRONTAB_FIELD = /^[0-9*/,\-A-Za-z?]+$/;
/** Entra app role values: no spaces, printable ASCII; `"` and `\` excluded as they would break a quoted header value. */
const APP_ROLE = /^[A-Za-z0-9!#$%&'()*+,\-./:;<=>?@[\]^_`{|}~]{1,120}$/;
const MAX_AUDIENCES = 10;

/**
 * Reads and validates the named settings from the environment, collecting every problem so one
 * error names all bad settings at once. Pure: no I/O, no caching.
 */
export function readSettings<const N extends SettingName>(
    env: Environment,
    names: readonly N[],
): Readonly<Record<N, SettingValue | undefined>> {
    const problems: Problem[] = [];
    const values: Record<string, SettingValue | undefined> = {};
    for (const name of names) {
        const definition = definitionsByName.get(name);
        if (definition === undefined) throw new Error(`Unknown setting ${name}`);
        const raw = env[name]?.trim();
        const effective = raw === undefined || raw === '' ? definition.defaultValue : raw;
        if (effective === undefined) {
            if (definition.required) problems.push({ name, problem: 'is required but not set' });
            values[name] = undefined;
            continue;
        }
        const parsed = parseSetting(definition, effective);
        if (typeof parsed === 'object' && 'problem' in parsed) {
            problems.push({ name, problem: parsed.problem });
        } else {
            values[name] = parsed;
        }
    }
    if (problems.length > 0) throw new ConfigurationError(problems);
    return values as Readonly<Record<N, SettingValue | undefined>>;
}

function parseSetting(definition: SettingDefinition, value: string): SettingValue | { problem: string } {
    switch (definition.kind) {
        case 'string':
            return IDENTIFIER.test(value)
                ? value
                : { problem: `must be an identifier (letters, digits, ".", "_", "-"), got "${preview(value)}"` };
        case 'connection-string':
            // Parsed by the storage settings, which know its parts and never echo it (it may hold a key).
            return value;
        case 'https-url':
            return parseHttpsUrl(value);
        case 'boolean':
            if (/^(true|1)$/i.test(value)) return true;
            if (/^(false|0)$/i.test(value)) return false;
            return { problem: `must be "true" or "false", got "${preview(value)}"` };
        case 'positive-integer': {
            if (!/^\d{1,9}$/.test(value) || Number(value) < 1) {
                return { problem: `must be a whole number >= 1, got "${preview(value)}"` };
            }
            return Number(value);
        }
        case 'ncrontab': {
            const fields = value.split(/\s+/);
            return fields.length === 6 && fields.every((f) => NCRONTAB_FIELD.test(f))
                ? value
                : { problem: `must be a six-field NCRONTAB expression like "0 0 */6 * * *", got "${preview(value)}"` };
        }
        case 'choice': {
            const choices = definition.choices ?? [];
            return choices.includes(value) ? value : { problem: `must be one of ${choices.join(', ')}, got "${preview(value)}"` };
        }
        case 'audience-list':
            return parseAudienceList(value);
        case 'app-role':
            return APP_ROLE.test(value)
                ? value
                : {
                      problem: `must be an app role value (printable ASCII, no spaces, double quotes or backslashes), got "${preview(value)}"`,
                  };
        case 'select-list': {
            const items = value.split(',').map((s) => s.trim());
            return items.every((s) => /^[A-Za-z][A-Za-z0-9]*$/.test(s))
                ? items
                : { problem: `must be a comma list of property names, got "${preview(value)}"` };
        }
    }
}

/** Client ids (GUIDs) and App ID URIs (`api://...`, `https://...`), the two forms Entra ID puts in `aud`. */
function parseAudienceList(value: string): readonly string[] | { problem: string } {
    const items = value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    if (items.length === 0 || items.length > MAX_AUDIENCES) {
        return { problem: `must list 1 to ${MAX_AUDIENCES} audiences separated by commas` };
    }
    for (const item of items) {
        if (isGuid(item)) continue;
        let url: URL | undefined;
        try {
            url = new URL(item);
        } catch {
            url = undefined;
        }
        if (url === undefined || (url.protocol !== 'api:' && url.protocol !== 'https:') || /\s/.test(item) || item.length > 256) {
            return {
                problem: `must list client ids (GUIDs) and App ID URIs (api://... or https://...), got "${preview(item)}"`,
            };
        }
    }
    return items;
}

function parseHttpsUrl(value: string): string | { problem: string } {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return { problem: `must be an absolute https URL, got "${preview(value)}"` };
    }
    if (url.protocol !== 'https:') {
        return { problem: `must use https (got ${url.protocol.replace(':', '')}); plain http is never allowed` };
    }
    if (url.username !== '' || url.password !== '') return { problem: 'must not contain credentials' };
    if (url.search !== '' || url.hash !== '') return { problem: 'must not contain a query or fragment' };
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** A short bad value is echoed to help; a long one may be a pasted secret and is only described. */
function preview(value: string): string {
    // Entra client secrets are 40 characters: anything long enough to be one is never shown, not even a prefix.
    return value.length <= 16 && !value.includes('~') ? value : `<${value.length} characters, not shown>`;
}
