import { DeltaTokenExpired } from '../graph/DeltaTokenExpired.js';
import type { CallOptions } from '../graph/GraphClient.js';
import type { SelectedProperties } from '../graph/SelectedProperties.js';
import type { UsersDeltaClient } from '../graph/UsersDeltaClient.js';
import type { ChangeLimits } from './ChangeLimits.js';
import { ChangeSet } from './ChangeSet.js';
import type { ExportProgress } from './ExportProgress.js';
import { FullReadNeeded } from './FullReadNeeded.js';
import { userLineBytes } from './userLineBytes.js';

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
    const changes = new ChangeSet({ limits });
    let pageCount = 0;
    let next: string | undefined;
    try {
        for await (const page of options.delta.round(options.deltaLink, select.names, options.call)) {
            for (const user of page.users) {
                // The set copies the line out of the page, so the page's body can go once it is read.
                const held =
                    user.removed === undefined
                        ? changes.upsert(user.id, userLineBytes(page.body, user, select))
                        : changes.remove(user.id, user.removed);
                if (!held) {
                    throw new FullReadNeeded(
                        'tooManyChanges',
                        `more than ${limits.maxChanges} users or ${Math.round(limits.maxChangeBytes / 1048576)} MiB in delta page ${pageCount + 1}`,
                    );
                }
            }
            pageCount += 1;
            next = page.deltaLink;
            options.onProgress?.({ phase: 'delta', users: changes.size, pages: pageCount });
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
