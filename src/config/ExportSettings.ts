import { ConfigurationError } from '../errors/errorClasses.js';
import { normaliseSelect } from '../users/userProperties.js';
import { readSettings, type Environment } from './readSettings.js';

/** What a snapshot contains and how long snapshots are kept; needed wherever snapshots go. */
export interface ExportSettings {
    /** Properties written per line, drawn from the allowlist; `id` always included. */
    readonly select: readonly string[];
    readonly gzip: boolean;
    readonly retentionDays: number;
    /** A run re-reads the whole directory when the last full read is at least this many days old. */
    readonly fullEveryDays: number;
}

const EXPORT_SETTING_NAMES = [
    'USERS_EXPORT_SELECT',
    'USERS_EXPORT_GZIP',
    'USERS_EXPORT_RETENTION_DAYS',
    'USERS_EXPORT_FULL_EVERY_DAYS',
] as const;

export function loadExportSettings(env: Environment): ExportSettings {
    const s = readSettings(env, EXPORT_SETTING_NAMES);
    const select = normaliseSelect(s.USERS_EXPORT_SELECT as readonly string[]);
    if ('unknown' in select) {
        throw new ConfigurationError([
            { name: 'USERS_EXPORT_SELECT', problem: `has properties that are not allowed: ${select.unknown.join(', ')}` },
        ]);
    }
    return {
        select: select.select,
        gzip: s.USERS_EXPORT_GZIP as boolean,
        retentionDays: s.USERS_EXPORT_RETENTION_DAYS as number,
        fullEveryDays: s.USERS_EXPORT_FULL_EVERY_DAYS as number,
    };
}
