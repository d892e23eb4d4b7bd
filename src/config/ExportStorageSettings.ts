import { ConfigurationError } from '../errors/errorClasses.js';
import { readSettings, type Environment } from './readSettings.js';

/** Where snapshots go: a connection string (Azurite, local runs) or an endpoint reached with the managed identity. */
export type ExportStorage =
    | { readonly kind: 'connection-string'; readonly connectionString: string }
    | { readonly kind: 'managed-identity'; readonly blobServiceUri: string; readonly clientId: string | undefined };

export interface ExportStorageSettings {
    readonly storage: ExportStorage;
    readonly container: string;
}

const STORAGE_SETTING_NAMES = [
    'USERS_EXPORT_STORAGE',
    'USERS_EXPORT_STORAGE__blobServiceUri',
    'USERS_EXPORT_STORAGE__credential',
    'USERS_EXPORT_STORAGE__clientId',
    'USERS_EXPORT_CONTAINER',
] as const;

/** Azure's container naming rule: 3-63 lowercase letters, digits and single hyphens. */
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * The export storage when one is configured (either connection setting set), else undefined:
 * for the page-token keys, which live there when they can. A set but malformed storage setting
 * still throws, naming it.
 */
export function loadOptionalExportStorageSettings(env: Environment): ExportStorageSettings | undefined {
    const s = readSettings(env, ['USERS_EXPORT_STORAGE', 'USERS_EXPORT_STORAGE__blobServiceUri']);
    if (s.USERS_EXPORT_STORAGE === undefined && s.USERS_EXPORT_STORAGE__blobServiceUri === undefined) return undefined;
    return loadExportStorageSettings(env);
}

/**
 * Reads the identity-based connection the Functions way (`<prefix>__blobServiceUri`,
 * `__credential`, `__clientId`), or a connection string under the prefix itself, which wins.
 */
export function loadExportStorageSettings(env: Environment): ExportStorageSettings {
    const s = readSettings(env, STORAGE_SETTING_NAMES);
    const problems: { name: string; problem: string }[] = [];
    const container = s.USERS_EXPORT_CONTAINER as string;
    if (!CONTAINER_NAME.test(container)) {
        problems.push({
            name: 'USERS_EXPORT_CONTAINER',
            problem: `must be a blob container name (3-63 lowercase letters, digits and single hyphens), got "${container}"`,
        });
    }
    const connectionString = s.USERS_EXPORT_STORAGE as string | undefined;
    const blobServiceUri = s.USERS_EXPORT_STORAGE__blobServiceUri as string | undefined;
    const credential = s.USERS_EXPORT_STORAGE__credential as string | undefined;
    let storage: ExportStorage | undefined;
    if (connectionString !== undefined) {
        storage = { kind: 'connection-string', connectionString };
    } else if (blobServiceUri !== undefined) {
        if (credential !== undefined && credential.toLowerCase() !== 'managedidentity') {
            problems.push({ name: 'USERS_EXPORT_STORAGE__credential', problem: `must be "managedidentity" or unset, got "${credential}"` });
        }
        storage = { kind: 'managed-identity', blobServiceUri, clientId: s.USERS_EXPORT_STORAGE__clientId as string | undefined };
    } else {
        problems.push(
            { name: 'USERS_EXPORT_STORAGE', problem: 'is not set (a connection string, e.g. "UseDevelopmentStorage=true" for Azurite)' },
            {
                name: 'USERS_EXPORT_STORAGE__blobServiceUri',
                problem: 'is not set either (the blob endpoint used with the managed identity); the export needs one of the two',
            },
        );
    }
    if (problems.length > 0 || storage === undefined) throw new ConfigurationError(problems);
    return { storage, container };
}
