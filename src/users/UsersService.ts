import { AppError } from '../errors/AppError.js';
import { BadRequestError } from '../errors/errorClasses.js';
import type { CallOptions, GraphClient } from '../graph/GraphClient.js';
import type { GraphUser, UsersPage } from '../graph/GraphUser.js';
import { readSkipToken } from '../graph/readSkipToken.js';
import { PageTokenCodec, type PageTokenKeys } from './PageTokenCodec.js';
import { MAX_TOP, type UsersQuery } from './UsersQuery.js';

export interface UsersPageResult {
    readonly value: readonly GraphUser[];
    readonly nextPageToken?: string;
}

export interface UsersServiceOptions {
    readonly graph: GraphClient;
    /** The page-token key ring: shared by every instance, independent of the Graph credential. */
    readonly keyRing: PageTokenKeys;
    /** Clock for page-token expiry; default Date.now. */
    readonly now?: () => number;
}

/** The users API the HTTP function exposes: one page at a time, with opaque continuation tokens. */
export class UsersService {
    readonly #graph: GraphClient;
    readonly #pageTokens: PageTokenCodec;

    constructor(options: UsersServiceOptions) {
        this.#graph = options.graph;
        this.#pageTokens = new PageTokenCodec({ keys: options.keyRing, ...(options.now === undefined ? {} : { now: options.now }) });
    }

    async getPage(query: UsersQuery, call: CallOptions = {}): Promise<UsersPageResult> {
        let url: string;
        let { top, select } = query;
        if (query.pageToken !== undefined) {
            const content = await this.#pageTokens.decode(query.pageToken);
            if ((query.explicit.top && query.top !== content.top) || (query.explicit.select && !sameList(query.select, content.select))) {
                throw new BadRequestError(
                    '"top" and "select" must be omitted or equal to those of the request that returned the pageToken.',
                    'pageToken',
                );
            }
            ({ top, select } = content);
            // Rebuilt from the token's checked values: never a URL a client wrote.
            url = this.#graph.usersUrl({ top, select, skipToken: content.skipToken });
        } else {
            url = this.#graph.usersUrl({ top, select });
        }

        let page: UsersPage;
        try {
            page = await this.#graph.getUsersPage(url, call);
        } catch (error) {
            // Graph refused the skiptoken of a token we issued and checked: Graph's continuation expired.
            if (query.pageToken !== undefined && error instanceof AppError && error.code === 'GraphBadRequest') {
                throw new BadRequestError('"pageToken" has expired; request the first page again without it.', 'pageToken');
            }
            throw error;
        }
        if (page.nextLink === undefined) return { value: page.users };
        const skipToken = readSkipToken(page.nextLink, this.#graph.usersUrl(), page.requestId);
        const nextPageToken = await this.#pageTokens.encode({ skipToken, top, select });
        return { value: page.users, nextPageToken };
    }

    /** Every page for `select`, by default at the largest page size: the export, `?all=true` and the CLI use this. */
    allPages(select: readonly string[], call: CallOptions = {}, top: number = MAX_TOP): AsyncGenerator<UsersPage> {
        return this.#graph.listUserPages({ top, select }, call);
    }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
    return a.length === b.length && a.every((v, i) => v === b[i]);
}
