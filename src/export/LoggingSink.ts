import type { GraphUser } from '../graph/GraphUser.js';
import type { Logger } from '../logging/Logger.js';
import type { ExportSummary, UsersSink } from './UsersSink.js';

/** Counts users and logs the result; the default sink when no export storage is configured. */
export class LoggingSink implements UsersSink {
    readonly #logger: Logger;

    constructor(logger: Logger) {
        this.#logger = logger;
    }

    writePage(_users: readonly GraphUser[]): Promise<void> {
        return Promise.resolve();
    }

    commit(summary: ExportSummary): Promise<void> {
        this.#logger.info(`Read ${summary.userCount} users in ${summary.pageCount} pages in ${summary.durationMs} ms.`);
        return Promise.resolve();
    }

    abort(): Promise<void> {
        return Promise.resolve();
    }
}
