import { createGraphRequestStats, type GraphRequestStats } from '../graph/GraphUser.js';
import type { Logger } from '../logging/Logger.js';
import type { UsersService } from '../users/UsersService.js';
import type { ExportSummary, UsersSink } from './UsersSink.js';

export interface ExportUsersOptions {
    readonly users: UsersService;
    readonly select: readonly string[];
    readonly sink: UsersSink;
    readonly signal?: AbortSignal;
    readonly logger?: Logger;
    readonly stats?: GraphRequestStats;
}

/**
 * Pages through every user and hands each page to the sink as it arrives, so memory holds one
 * page at a time whatever the directory's size. Commits only if every page was read.
 */
export async function exportUsers(options: ExportUsersOptions): Promise<ExportSummary> {
    const { users, select, sink } = options;
    const stats = options.stats ?? createGraphRequestStats();
    const started = Date.now();
    let userCount = 0;
    let pageCount = 0;
    try {
        const call = {
            stats,
            ...(options.signal === undefined ? {} : { signal: options.signal }),
            ...(options.logger === undefined ? {} : { logger: options.logger }),
        };
        for await (const page of users.allPages(select, call)) {
            await sink.writePage(page.users);
            userCount += page.users.length;
            pageCount += 1;
        }
        const finished = Date.now();
        const summary: ExportSummary = {
            userCount,
            pageCount,
            graphRequests: stats.requests,
            startedAt: new Date(started).toISOString(),
            finishedAt: new Date(finished).toISOString(),
            durationMs: finished - started,
        };
        await sink.commit(summary);
        return summary;
    } catch (error) {
        await sink.abort(error);
        throw error;
    }
}
