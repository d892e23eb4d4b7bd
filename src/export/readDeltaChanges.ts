import { DeltaTokenExpired } from '../graph/DeltaTokenExpired.js';
import type { CallOptions } from '../graph/GraphClient.js';
import type { SelectedProperties } from '../graph/SelectedProperties.js';
import type { UsersDeltaClient } from '../graph/UsersDeltaClient.js';
import { ChangeSet } from './ChangeSet.js';
import type { ExportProgress } from './ExportProgress.js';
import { FullReadNeeded } from './FullReadNeeded.js';
import { userLineBytes } from './userLineBytes.js';

/**
 * What an incremental run holds in memory: the changes of one delta round. Past either bound the
 * round stops and the run reads the whole directory instead (`tooManyChanges`), which at that
 * size costs Graph about as many requests (a delta page holds ~200 users, a `/users` page 999).
 * 100,000 changed users at the default select take about 100 MB (measured; README "Memory").
 */
export interface ChangeLimits {
    /** Distinct users changed. */
    readonly maxChanges: number;
    /** Bytes of their JSON lines. */
    readonly maxChangeBytes: number;
}

export const defaultChangeLimits: ChangeLimits = { maxChanges: 100_000, maxChangeBytes: 64 * 1024 * 1024 };

export interface DeltaReadOptions {
    readonly delta: UsersDeltaClient;
    readonly deltaLink: string;
    readonly select: SelectedProperties;
    readonly limits: ChangeLimits;
    readonly call: CallOptions;
    readonly onProgress?: (progress: ExportProgress) => void;
}

export interface DeltaReadResult {
    readonly changes: ChangeSet;
    /** Where the next round starts. */
    readonly deltaLink: string;
    readonly pageCount: number;
}

/**
 * Reads one delta round into memory. Throws FullReadNeeded when Graph says the token can no
 * longer be used, or when the changes outgrow `limits`.
 */
export async function readDeltaChanges(options: DeltaReadOptions): Promise<DeltaReadResult> {
    const { select, limits } = options;
    const changes = new ChangeSet();
    let pageCount = 0;
    let next: string | undefined;
    try {
        for await (const page of options.delta.round(options.deltaLink, select.names, options.call)) {
            for (const user of page.users) {
                // Copied out of the page, so the page's body can go once it is read.
                const line = user.removed === undefined ? Buffer.from(userLineBytes(page.body, user, select)) : undefined;
                changes.add({ id: user.id, line, reason: user.removed ?? null });
            }
            pageCount += 1;
            next = page.deltaLink;
            options.onProgress?.({ phase: 'delta', users: changes.size, pages: pageCount });
            if (changes.size > limits.maxChanges || changes.bytes > limits.maxChangeBytes) {
                throw new FullReadNeeded(
                    'tooManyChanges',
                    `more than ${limits.maxChanges} users or ${Math.round(limits.maxChangeBytes / 1048576)} MiB after ${pageCount} delta page(s)`,
                );
            }
        }
    } catch (error) {
        if (!(error instanceof DeltaTokenExpired)) throw error;
        throw new FullReadNeeded(
            error.answer === 'rejected' ? 'deltaTokenRejected' : 'deltaTokenExpired',
            `Graph answered ${error.answer}${error.requestId === undefined ? '' : ` (request-id ${error.requestId})`}`,
        );
    }
    // The round's generator only ends after the page carrying the deltaLink.
    if (next === undefined) throw new Error('A delta round ended without a deltaLink.');
    return { changes, deltaLink: next, pageCount };
}
