import { createRawPageDecoder } from '../graph/createRawPageDecoder.js';
import type { CallOptions, GraphClient } from '../graph/GraphClient.js';
import type { SelectedProperties } from '../graph/SelectedProperties.js';
import { MAX_TOP } from '../users/UsersQuery.js';
import type { ExportProgress } from './ExportProgress.js';
import type { IdSet } from './IdSet.js';
import { pageLines } from './pageLines.js';
import type { SnapshotSink } from './SnapshotSink.js';

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
 * user's line is cut out of the page's bytes (see pageLines), so the CPU work per page is one
 * scan, one copy and the hash: the next page's request, started as soon as its nextLink was
 * seen, is what the read waits for.
 */
export async function readFullSnapshot(options: FullReadOptions): Promise<FullReadResult> {
    const { graph, select, sink, ids } = options;
    const decode = createRawPageDecoder({ select, graphEndpoint: graph.graphEndpoint, delta: false });
    let userCount = 0;
    let pageCount = 0;
    let duplicates = 0;
    const keep = (id: string): boolean => {
        if (ids.add(id)) return true;
        duplicates += 1;
        return false;
    };
    for await (const page of graph.followPages(graph.usersUrl({ top: MAX_TOP, select: select.names }), decode, options.call)) {
        const before = duplicates;
        for (const lines of pageLines(page, select, keep)) await sink.writeLines(lines);
        userCount += page.users.length - (duplicates - before);
        pageCount += 1;
        options.onProgress?.({ phase: 'full', users: userCount, pages: pageCount });
    }
    return { userCount, pageCount, duplicates };
}
