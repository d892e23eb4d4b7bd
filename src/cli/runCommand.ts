import type { Environment } from '../config/readSettings.js';
import { exportUsers } from '../export/exportUsers.js';
import { LoggingSink } from '../export/LoggingSink.js';
import { consoleLogger } from '../logging/consoleLogger.js';
import { createRuntime } from '../runtime/createRuntime.js';
import { defaultUserSelect } from '../users/userProperties.js';
import { MAX_TOP, parseUsersQuery } from '../users/UsersQuery.js';
import { writeNdjson } from './writeNdjson.js';

export interface CliCommand {
    readonly name: 'list' | 'export';
    readonly top?: string;
    readonly select?: string;
    readonly all: boolean;
}

/** Runs one CLI command through the same core as the functions. Returns the exit code. */
export async function runCommand(command: CliCommand, env: Environment): Promise<number> {
    const runtime = createRuntime(env, { logger: consoleLogger });
    if (command.name === 'export') {
        await exportUsers({ users: runtime.users, select: defaultUserSelect, sink: new LoggingSink(consoleLogger), logger: consoleLogger });
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
    const top = query.explicit.top ? query.top : MAX_TOP;
    for await (const page of runtime.graph.listUserPages({ top, select: query.select }, { logger: consoleLogger })) {
        await writeNdjson(page.users);
    }
    return 0;
}
