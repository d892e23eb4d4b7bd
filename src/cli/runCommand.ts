import { loadExportSettings } from '../config/ExportSettings.js';
import type { Environment } from '../config/readSettings.js';
import { FolderSnapshotStore } from '../export/FolderSnapshotStore.js';
import { runSnapshotExport } from '../export/runSnapshotExport.js';
import { consoleLogger } from '../logging/consoleLogger.js';
import type { Logger } from '../logging/Logger.js';
import { writeNdjson } from '../ndjson/writeNdjson.js';
import { createExportRuntime, type ExportRuntime } from '../runtime/createExportRuntime.js';
import { createProcessKeyRing } from '../runtime/createPageTokenKeyRing.js';
import { createRuntime } from '../runtime/createRuntime.js';
import { parseUsersQuery } from '../users/UsersQuery.js';
import { createProgressReporter } from './createProgressReporter.js';

export interface CliCommand {
    readonly name: 'list' | 'export';
    readonly top?: string;
    readonly select?: string;
    readonly all: boolean;
    /** export: a local folder instead of the configured blob storage. */
    readonly to?: string;
    /** export: read the whole directory even when only the changes are needed. */
    readonly full?: boolean;
}

/** Runs one CLI command through the same core as the functions. Returns the exit code. */
export async function runCommand(command: CliCommand, env: Environment): Promise<number> {
    // The CLI never prints page tokens: keys in memory, no storage access and no warning about it.
    const runtime = createRuntime(env, { logger: consoleLogger, keyRing: createProcessKeyRing() });
    if (command.name === 'export') {
        const target: Pick<ExportRuntime, 'settings' | 'store'> =
            command.to === undefined
                ? createExportRuntime(env)
                : { settings: loadExportSettings(env), store: new FolderSnapshotStore(command.to) };
        const progress = createProgressReporter({ stream: process.stderr });
        // A log line first erases the progress line, which the next page redraws.
        const logger: Logger = {
            info: (m) => {
                progress.clear();
                consoleLogger.info(m);
            },
            warn: (m) => {
                progress.clear();
                consoleLogger.warn(m);
            },
            error: (m) => {
                progress.clear();
                consoleLogger.error(m);
            },
        };
        const result = await runSnapshotExport({
            graph: runtime.graph,
            ...target,
            logger,
            full: command.full === true,
            onProgress: (p) => {
                progress.update(p);
            },
        });
        progress.done();
        // The manifest on stdout (scriptable); where it went is on stderr.
        await writeNdjson([result.manifest]);
        consoleLogger.info(`Snapshot: ${result.snapshotLocation}\nManifest: ${target.store.location}/latest.json`);
        return 0;
    }
    // The same validation as the HTTP query, so the CLI accepts exactly what the API accepts.
    const query = parseUsersQuery([
        ...(command.top === undefined ? [] : [['top', command.top] as const]),
        ...(command.select === undefined ? [] : [['select', command.select] as const]),
    ]);
    if (!command.all) {
        const page = await runtime.users.getPage(query, { logger: consoleLogger });
        await writeNdjson(page.value);
        if (page.nextPageToken !== undefined) consoleLogger.info('More users exist: pass --all to read every page.');
        return 0;
    }
    for await (const page of runtime.users.allPages(query.select, { logger: consoleLogger }, query.explicit.top ? query.top : undefined)) {
        await writeNdjson(page.users);
    }
    return 0;
}
