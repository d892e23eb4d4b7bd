import { AppError } from '../errors/AppError.js';
import { BadRequestError } from '../errors/errorClasses.js';
import type { CallOptions, GraphClient } from '../graph/GraphClient.js';
import type { GraphUser, UsersPage } from '../graph/GraphUser.js';
import type { ClientSecretSource } from '../secret/ClientSecret.js';
import { PageTokenCodec } from './PageTokenCodec.js';
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

interface Start {
    readonly url: string;
    readonly top: number;
    readonly select: readonly string[];
    /** An `all=true` walk, whose tokens carry `delivered`. */
    readonly segment: boolean;
    readonly delivered: number;
}

export interface UsersServiceOptions {
    readonly graph: GraphClient;
    readonly secrets: ClientSecretSource;
    readonly clientId: string;
    readonly graphEndpoint: string;
}

/** The users API the HTTP function exposes: one page, or one `all=true` segment, at a time, with opaque continuation tokens. */
export class UsersService {
    readonly #options: UsersServiceOptions;
    readonly #origin: string;
    #codec: { version: string; codec: PageTokenCodec } | undefined;

    constructor(options: UsersServiceOptions) {
        this.#options = options;
        this.#origin = new URL(options.graphEndpoint).origin;
    }

    async getPage(query: UsersQuery, call: CallOptions = {}): Promise<UsersPageResult> {
        const start = await this.#start(query, 'page');
        const page = await this.#fetch(start.url, query.pageToken !== undefined, call);
        if (page.nextLink === undefined) return { value: page.users };
        return { value: page.users, nextPageToken: await this.#nextToken(page.nextLink, start) };
    }

    /**
     * One segment of `all=true`: up to `maxPages` pages read one after the other, from the first
     * page (at the largest page size unless `top` is given) or from an `all=true` continuation
     * token, whose running total the result carries on.
     */
    async getSegment(query: UsersQuery, maxPages: number, call: CallOptions = {}): Promise<UsersSegmentResult> {
        const start = await this.#start({ ...query, top: query.explicit.top ? query.top : MAX_TOP }, 'segment');
        const users: GraphUser[] = [];
        let url: string | undefined = start.url;
        let pages = 0;
        while (url !== undefined && pages < maxPages) {
            const page = await this.#fetch(url, pages === 0 && query.pageToken !== undefined, call);
            for (const user of page.users) users.push(user);
            pages += 1;
            url = page.nextLink;
        }
        const delivered = start.delivered + users.length;
        if (url === undefined) return { users, pages, delivered };
        return { users, pages, delivered, nextPageToken: await this.#nextToken(url, { ...start, delivered }) };
    }

    /** Every page for `select`, by default at the largest page size: the export and the CLI use this. */
    allPages(select: readonly string[], call: CallOptions = {}, top: number = MAX_TOP): AsyncGenerator<UsersPage> {
        return this.#options.graph.listUserPages({ top, select }, call);
    }

    /** Where a request starts: its own first page, or the page its token continues (of the same kind). */
    async #start(query: UsersQuery, kind: 'page' | 'segment'): Promise<Start> {
        if (query.pageToken === undefined) {
            const { top, select } = query;
            return { url: this.#options.graph.usersUrl({ top, select }), top, select, segment: kind === 'segment', delivered: 0 };
        }
        const content = (await this.#pageTokens()).decode(query.pageToken);
        if ((content.segment !== undefined) !== (kind === 'segment')) {
            throw new BadRequestError(
                kind === 'segment'
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
        const { top, select } = content;
        return {
            url: `${this.#origin}${content.pathAndQuery}`,
            top,
            select,
            segment: kind === 'segment',
            delivered: content.segment?.delivered ?? 0,
        };
    }

    async #fetch(url: string, fromToken: boolean, call: CallOptions): Promise<UsersPage> {
        try {
            return await this.#options.graph.getUsersPage(url, call);
        } catch (error) {
            // Graph validated our own signed token's skiptoken and refused it: it expired.
            if (fromToken && error instanceof AppError && error.code === 'GraphBadRequest') {
                throw new BadRequestError('"pageToken" has expired; request the first page again without it.', 'pageToken');
            }
            throw error;
        }
    }

    async #nextToken(nextLink: string, start: Start): Promise<string> {
        const next = new URL(nextLink);
        const { top, select } = start;
        const segment = start.segment ? { segment: { delivered: start.delivered } } : {};
        return (await this.#pageTokens()).encode({ pathAndQuery: `${next.pathname}${next.search}`, top, select, ...segment });
    }

    async #pageTokens(): Promise<PageTokenCodec> {
        const secret = await this.#options.secrets.getSecret();
        if (this.#codec?.version !== secret.version) {
            this.#codec = { version: secret.version, codec: new PageTokenCodec(secret.value, this.#options.clientId) };
        }
        return this.#codec.codec;
    }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
    return a.length === b.length && a.every((v, i) => v === b[i]);
}
