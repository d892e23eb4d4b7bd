import type { GraphUser } from '../graph/GraphUser.js';

export interface ExportSummary {
    readonly userCount: number;
    readonly pageCount: number;
    readonly graphRequests: number;
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly durationMs: number;
}

/** Where an export's pages go. `commit` runs only after every page was written. */
export interface UsersSink {
    writePage(users: readonly GraphUser[]): Promise<void>;
    commit(summary: ExportSummary): Promise<void>;
    /** Called instead of `commit` when the export fails; must leave earlier snapshots intact. */
    abort(error: unknown): Promise<void>;
}
