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

export interface UsersServiceOptions {
    readonly graph: GraphClient;
    readonly secrets: ClientSecretSource;
    readonly clientId: string;
    readonly graphEndpoint: string;
}

/** The users API the HTTP function exposes: one page at a time, with opaque continuation tokens. */
export class UsersService {
    readonly #options: UsersServiceOptions;
    readonly #origin: string;
    #codec: { version: string; codec: PageTokenCodec } | undefined;

    constructor(options: UsersServiceOptions) {
        this.#options = options;
        this.#origin = new URL(options.graphEndpoint).origin;
    }

    async getPage(query: UsersQuery, call: CallOptions = {}): Promise<UsersPageResult> {
        let url: string;
        let { top, select } = query;
        if (query.pageToken !== undefined) {
            const content = (await this.#pageTokens()).decode(query.pageToken);
            if ((query.explicit.top && query.top !== content.top) || (query.explicit.select && !sameList(query.select, content.select))) {
                throw new BadRequestError(
                    '"top" and "select" must be omitted or equal to those of the request that returned the pageToken.',
                    'pageToken',
                );
            }
            ({ top, select } = content);
            url = `${this.#origin}${content.pathAndQuery}`;
        } else {
            url = this.#options.graph.usersUrl({ top, select });
        }

        let page: UsersPage;
        try {
            page = await this.#options.graph.getUsersPage(url, call);
        } catch (error) {
            // Graph validated our own signed token's skiptoken and refused it: it expired.
            if (query.pageToken !== undefined && error instanceof AppError && error.code === 'GraphBadRequest') {
                throw new BadRequestError('"pageToken" has expired; request the first page again without it.', 'pageToken');
            }
            throw error;
        }
        if (page.nextLink === undefined) return { value: page.users };
        const next = new URL(page.nextLink);
        const nextPageToken = (await this.#pageTokens()).encode({ pathAndQuery: `${next.pathname}${next.search}`, top, select });
        return { value: page.users, nextPageToken };
    }

    /** Every page for `select`, by default at the largest page size: the export, `?all=true` and the CLI use this. */
    allPages(select: readonly string[], call: CallOptions = {}, top: number = MAX_TOP): AsyncGenerator<UsersPage> {
        return this.#options.graph.listUserPages({ top, select }, call);
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
