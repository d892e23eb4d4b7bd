import { GraphError } from '../errors/errorClasses.js';

/** Graph's skip tokens are opaque printable ASCII; anything else or longer is not one of Graph's. */
const SKIP_TOKEN = /^[\x20-\x7e]{1,4096}$/;
/** The query options a users nextLink may carry: ours, echoed, and the continuation. */
const NEXT_LINK_OPTIONS = new Set(['$top', '$select', '$skiptoken']);

/** Whether `value` can be a `$skiptoken` (bounded, printable ASCII). */
export function isSkipToken(value: unknown): value is string {
    return typeof value === 'string' && SKIP_TOKEN.test(value);
}

/**
 * The `$skiptoken` of a users nextLink, the only state a page token keeps from Graph: the link
 * must be exactly the users URL (`usersUrl`'s origin and path) with one `$skiptoken` and no query
 * options but the `$top`/`$select` this app sent. Option names are matched case-insensitively,
 * as Graph does.
 */
export function readSkipToken(nextLink: string, usersUrl: string, requestId?: string): string {
    const refuse = (problem: string): GraphError =>
        new GraphError(
            'GraphMalformedResponse',
            `Graph returned an @odata.nextLink that cannot be continued with a page token: ${problem}.`,
            {
                hint: 'Check GRAPH_ENDPOINT and any proxy that rewrites Graph answers; report it with the requestId otherwise. `all=true` follows the links as returned.',
                ...(requestId === undefined ? {} : { requestId }),
            },
        );
    const link = new URL(nextLink);
    const expected = new URL(usersUrl);
    if (link.origin !== expected.origin || link.pathname !== expected.pathname) throw refuse(`its path is not ${expected.pathname}`);
    const skipTokens: string[] = [];
    for (const [name, value] of link.searchParams) {
        const option = name.toLowerCase();
        if (!NEXT_LINK_OPTIONS.has(option)) throw refuse(`it carries the query option "${name.slice(0, 32)}"`);
        if (option === '$skiptoken') skipTokens.push(value);
    }
    const [skipToken] = skipTokens;
    if (skipTokens.length !== 1 || !isSkipToken(skipToken))
        throw refuse('it has no single, printable $skiptoken of at most 4096 characters');
    return skipToken;
}
