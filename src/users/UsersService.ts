import { AppError } from '../errors/AppError.js';
import { BadRequestError } from '../errors/errorClasses.js';
import type { CallOptions, GraphClient } from '../graph/GraphClient.js';
import type { GraphUser, UsersPage } from '../graph/GraphUser.js';
import { readSkipToken } from '../graph/readSkipToken.js';
import { repeatedNextLinkError } from '../graph/repeatedNextLinkError.js';
import { PageTokenCodec, type PageTokenKeys } from './PageTokenCodec.js';
import { MAX_TOP, type UsersQuery } from './UsersQuery.js';

export interface UsersPageResult {
    readonly value: readonly GraphUser[];
    readonly nextPageToken?: string;
}

/** One response's worth of `all=true`. */
export interface UsersSegmentResult {
    readonly users: readonly GraphUser[];
    /** Graph pages read for it. */
    readonly pages: number;
    /** Users delivered by this segment and the earlier ones of the same walk. */
    readonly delivered: number;
    /** Absent when the walk is complete. */
    readonly nextPageToken?: string;
}

export interface UsersServiceOptions {
    readonly graph: GraphClient;
    /** The page-token key ring: shared by every instance, independent of the Graph credential. */
    readonly keyRing: PageTokenKeys;
    /** Clock for page-token expiry; default Date.now. */
    readonly now?: () => number;
}

/** The pages one request read. */
interface PagesRead {
    readonly users: readonly GraphUser[];
    readonly pages: number;
    /** The last page read: its nextLink is where the next request continues. */
    readonly last: UsersPage;
}

/** Where a request starts reading, and what its continuation token must carry on. */
interface Start {
    readonly url: string;
    readonly top: number;
    readonly select: readonly string[];
    /** Set for an `all=true` walk: the users its earlier segments delivered. */
    readonly delivered: number | undefined;
}

/** The users API the HTTP function exposes: one page, or one `all=true` segment, at a time, with opaque continuation tokens. */
export class UsersService {
    readonly #graph: GraphClient;
    readonly #pageTokens: PageTokenCodec;

    constructor(options: UsersServiceOptions) {
        this.#graph = options.graph;
        this.#pageTokens = new PageTokenCodec({ keys: options.keyRing, ...(options.now === undefined ? {} : { now: options.now }) });
    }

    async getPage(query: UsersQuery, call: CallOptions = {}): Promise<UsersPageResult> {
        const start = await this.#start(query, false);
        const read = await this.#read(start, query.pageToken !== undefined, 1, call);
        if (read.last.nextLink === undefined) return { value: read.users };
        return { value: read.users, nextPageToken: await this.#nextToken(read.last, read.last.nextLink, start) };
    }

    /**
     * One segment of `all=true`: at least one and at most `maxPages` pages, read one after the
     * other, from the first page (at the largest page size unless `top` is given) or from an
     * `all=true` continuation token, whose running total the result carries on.
     */
    async getSegment(query: UsersQuery, maxPages: number, call: CallOptions = {}): Promise<UsersSegmentResult> {
        const start = await this.#start({ ...query, top: query.explicit.top ? query.top : MAX_TOP }, true);
        const { users, pages, last } = await this.#read(start, query.pageToken !== undefined, maxPages, call);
        const delivered = (start.delivered ?? 0) + users.length;
        if (last.nextLink === undefined) return { users, pages, delivered };
        return { users, pages, delivered, nextPageToken: await this.#nextToken(last, last.nextLink, { ...start, delivered }) };
    }

    /** Every page for `select`, by default at the largest page size: the export and the CLI use this. */
    allPages(select: readonly string[], call: CallOptions = {}, top: number = MAX_TOP): AsyncGenerator<UsersPage> {
        return this.#graph.listUserPages({ top, select }, call);
    }

    /** Where a request starts: its own first page, or the page its token continues (a token of the same kind). */
    async #start(query: UsersQuery, segment: boolean): Promise<Start> {
        if (query.pageToken === undefined) {
            const { top, select } = query;
            return { url: this.#graph.usersUrl({ top, select }), top, select, delivered: segment ? 0 : undefined };
        }
        const content = await this.#pageTokens.decode(query.pageToken);
        if ((content.segment !== undefined) !== segment) {
            throw new BadRequestError(
                segment
                    ? '"pageToken" continues a page; with "all=true" send the "@nextPageToken" of the previous all=true response.'
                    : '"pageToken" continues an all=true walk; send it with "all=true".',
                'pageToken',
            );
        }
        if ((query.explicit.top && query.top !== content.top) || (query.explicit.select && !sameList(query.select, content.select))) {
            throw new BadRequestError(
                '"top" and "select" must be omitted or equal to those of the request that returned the pageToken.',
                'pageToken',
            );
        }
        const { top, select, skipToken } = content;
        // Rebuilt from the token's checked values: never a URL a client wrote.
        return { url: this.#graph.usersUrl({ top, select, skipToken }), top, select, delivered: content.segment?.delivered };
    }

    /**
     * Up to `maxPages` pages from `start`, following Graph's own nextLinks as returned (the Graph
     * client checks their origin). A nextLink back to a page this request read, the one it started
     * from included, stops it with GraphRepeatedNextLink: followed it would loop, and as a token it
     * would hand the client the same page for ever. Tokens hold no history, so a loop longer than
     * one request is out of sight here; each such request still reads at most `maxPages` pages.
     */
    async #read(start: Start, fromToken: boolean, maxPages: number, call: CallOptions): Promise<PagesRead> {
        const positions = new Set([pagePosition(start.url)]);
        let last = await this.#fetch(start.url, fromToken, call);
        const users: GraphUser[] = [...last.users];
        let pages = 1;
        while (last.nextLink !== undefined) {
            const position = pagePosition(last.nextLink);
            if (positions.has(position)) throw repeatedNextLinkError(pages, 'request');
            if (pages === maxPages) break;
            positions.add(position);
            last = await this.#fetch(last.nextLink, false, call);
            pages += 1;
            for (const user of last.users) users.push(user);
        }
        return { users, pages, last };
    }

    async #fetch(url: string, fromToken: boolean, call: CallOptions): Promise<UsersPage> {
        try {
            return await this.#graph.getUsersPage(url, call);
        } catch (error) {
            // Graph refused the skiptoken of a token we issued and checked: Graph's continuation expired.
            if (fromToken && error instanceof AppError && error.code === 'GraphBadRequest') {
                throw new BadRequestError('"pageToken" has expired; request the first page again without it.', 'pageToken');
            }
            throw error;
        }
    }

    async #nextToken(page: UsersPage, nextLink: string, start: Start): Promise<string> {
        const skipToken = readSkipToken(nextLink, this.#graph.usersUrl(), page.requestId);
        const { top, select, delivered } = start;
        return this.#pageTokens.encode({ skipToken, top, select, ...(delivered === undefined ? {} : { segment: { delivered } }) });
    }
}

/**
 * Which page a users URL asks for: its `$skiptoken`, the only part of a nextLink a page token
 * keeps (so a link and the URL rebuilt from its token agree); the whole URL when it has none.
 */
function pagePosition(url: string): string {
    const skipTokens = [...new URL(url).searchParams].filter(([name]) => name.toLowerCase() === '$skiptoken').map(([, value]) => value);
    const [skipToken] = skipTokens;
    return skipTokens.length === 1 && skipToken !== undefined ? `$skiptoken=${skipToken}` : url;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
    return a.length === b.length && a.every((v, i) => v === b[i]);
}
