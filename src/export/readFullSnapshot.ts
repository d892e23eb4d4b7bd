import { createRawPageDecoder } from '../graph/createRawPageDecoder.js';
import type { CallOptions, GraphClient } from '../graph/GraphClient.js';
import type { SelectedProperties } from '../graph/SelectedProperties.js';
import { MAX_TOP } from '../users/UsersQuery.js';
import type { ExportProgress } from './ExportProgress.js';
import type { IdSet } from './IdSet.js';
import { LineBatch } from './LineBatch.js';
import type { SnapshotSink } from './SnapshotSink.js';
import { userLineBytes } from './userLineBytes.js';

export interface FullReadOptions {
    readonly graph: GraphClient;
    readonly select: SelectedProperties;
    readonly sink: SnapshotSink;
    /** Ids written so far in this run: a user Graph sends again is written once, the first time. */
    readonly ids: IdSet;
    readonly call: CallOptions;
    readonly onProgress?: (progress: ExportProgress) => void;
}

export interface FullReadResult {
    readonly userCount: number;
    readonly pageCount: number;
    /** Users Graph sent more than once (its paging is not isolated from concurrent changes). */
    readonly duplicates: number;
}

/**
 * Reads every user (`/users`, 999 per page) into the sink, one page in memory at a time. Each
 * user's line is cut out of the page's bytes (see userLineBytes), so the CPU work per page is
 * one scan, a copy and the hash: the next page's request, started as soon as its nextLink was
 * seen, is what the read waits for.
 */
export async function readFullSnapshot(options: FullReadOptions): Promise<FullReadResult> {
    const { graph, select, sink, ids } = options;
    const decode = createRawPageDecoder({ select, graphEndpoint: graph.graphEndpoint, delta: false });
    let userCount = 0;
    let pageCount = 0;
    let duplicates = 0;
    const batch = new LineBatch();
    for await (const page of graph.followPages(graph.usersUrl({ top: MAX_TOP, select: select.names }), decode, options.call)) {
        for (const user of page.users) {
            if (!ids.add(user.id)) {
                duplicates += 1;
                continue;
            }
            batch.add(userLineBytes(page.body, user, select));
            userCount += 1;
        }
        pageCount += 1;
        await sink.writeLines(batch.take());
        options.onProgress?.({ phase: 'full', users: userCount, pages: pageCount });
    }
    return { userCount, pageCount, duplicates };
}
