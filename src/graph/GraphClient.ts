import { createHash, randomUUID } from 'node:crypto';
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import { GraphError } from '../errors/errorClasses.js';
import type { Logger } from '../logging/Logger.js';
import type { AccessToken } from '../token/GraphTokenProvider.js';
import { computeBackoff } from '../retry/computeBackoff.js';
import type { GraphRequestStats, GraphUser, UsersPage } from './GraphUser.js';
import { JsonSyntaxError } from '../json/scanJson.js';
import { parseRetryAfter } from '../retry/parseRetryAfter.js';
import { repeatedNextLinkError } from './repeatedNextLinkError.js';
import { findNextLinkHintInBody } from './findNextLinkHint.js';
import { resolveNextLink } from './resolveNextLink.js';
import { toGraphError } from './toGraphError.js';

export interface TokenSource {
    getToken(options?: { readonly forceRefresh?: boolean }): Promise<AccessToken>;
}

export interface RetryOptions {
    /** Attempts per request, the first included. */
    readonly maxAttempts: number;
    /** Total time one request may spend across attempts and waits. */
    readonly maxTotalMs: number;
    readonly baseDelayMs: number;
    readonly maxDelayMs: number;
    /** Per-attempt timeout, headers and body included. */
    readonly requestTimeoutMs: number;
}

export const defaultRetryOptions: RetryOptions = {
    maxAttempts: 6,
    maxTotalMs: 120_000,
    baseDelayMs: 500,
    maxDelayMs: 30_000,
    requestTimeoutMs: 30_000,
};

export interface GraphClientOptions {
    readonly graphEndpoint: string;
    /** The directory the tokens are for (GRAPH_TENANT_ID as configured): with the endpoint, what this client reads. */
    readonly tenantId: string;
    readonly tokens: TokenSource;
    readonly retry?: Partial<RetryOptions>;
    /** Shown in the admin-consent error. */
    readonly adminConsentUrl?: string;
}

export interface PageRequestOptions {
    readonly top?: number;
    readonly select?: readonly string[];
    /** Graph's continuation (from a page token): the URL then asks for the page after it. */
    readonly skipToken?: string;
}

export interface CallOptions {
    readonly signal?: AbortSignal;
    readonly stats?: GraphRequestStats;
    readonly logger?: Logger;
}

const RETRYABLE_STATUS = new Set([429, 503, 504]);

/** A page that may link to the next one; the link is already checked to point at the configured Graph origin. */
export interface LinkedPage {
    readonly nextLink: string | undefined;
}

/**
 * Turns a successful response body into a page. Throwing JsonSyntaxError (or SyntaxError) means
 * the body is malformed, which is retried like a network error; any other error is final.
 */
export type PageDecoder<P> = (body: Buffer, requestId: string | undefined) => P;

/** Sees a successful body before it is decoded; returns true when it started a request. */
type BodyListener = (body: Buffer) => boolean;

/** What one `followPages` walk shares between its requests. */
interface Walk<P> {
    readonly call: CallOptions;
    readonly decode: PageDecoder<P>;
    /**
     * Pages already answered in this walk (by linkKey): a nextLink back to one of them would loop
     * forever. Hashes, not the URLs: a URL guessed from a body is a slice that pins kilobytes of it.
     */
    readonly followed: Set<string>;
}

/** One page's request in `followPages`, with the request started ahead from its guessed nextLink. */
interface PendingPage<P> {
    readonly url: string;
    readonly controller: AbortController;
    promise: Promise<P>;
    /** The nextLink guessed from this page's raw body, origin already checked. */
    hint: string | undefined;
    /** False while the caller still holds the previous page: then no request may start ahead of this one. */
    mayRunAhead: boolean;
    ahead: PendingPage<P> | undefined;
}

/** Aborts a request nobody will read and waits until it has settled. */
async function discard<P>(pending: PendingPage<P>): Promise<void> {
    pending.controller.abort();
    if (pending.ahead !== undefined) await discard(pending.ahead);
    await pending.promise.catch(() => undefined);
}

const utf8 = new TextDecoder();

/** Lists users through Graph with global fetch: paging, retries, timeouts and one 401 refresh. */
export class GraphClient {
    readonly #options: GraphClientOptions;
    readonly #retry: RetryOptions;
    readonly #origin: string;

    constructor(options: GraphClientOptions) {
        this.#options = options;
        this.#retry = { ...defaultRetryOptions, ...options.retry };
        this.#origin = new URL(options.graphEndpoint).origin;
    }

    /** The configured Graph endpoint (its origin is the only one that ever gets a token). */
    get graphEndpoint(): string {
        return this.#options.graphEndpoint;
    }

    /** The tenant whose directory this client reads, as configured. */
    get tenantId(): string {
        return this.#options.tenantId;
    }

    /**
     * A users page URL, built only from validated values: the origin and path are always
     * GRAPH_ENDPOINT's `/v1.0/users`, and the values are query-encoded, so none can add a path,
     * a host or another query option.
     */
    usersUrl(options: PageRequestOptions = {}): string {
        const url = new URL(`${this.#options.graphEndpoint}/v1.0/users`);
        if (options.top !== undefined) url.searchParams.set('$top', String(options.top));
        if (options.select !== undefined && options.select.length > 0) url.searchParams.set('$select', options.select.join(','));
        if (options.skipToken !== undefined) url.searchParams.set('$skiptoken', options.skipToken);
        return url.toString();
    }

    /** Fetches one page of users from a URL built by `usersUrl` or returned as a nextLink. */
    async getUsersPage(url: string, call: CallOptions = {}): Promise<UsersPage> {
        return this.#getPage(url, call, this.#parseUsersPage, undefined);
    }

    /** Fetches one page from a Graph URL with the same retries, timeouts and 401 refresh as every page. */
    async getPage<P>(url: string, decode: PageDecoder<P>, call: CallOptions = {}): Promise<P> {
        return this.#getPage(url, call, decode, undefined);
    }

    /**
     * How many users the directory holds, as Graph estimates it (`$count` needs
     * `ConsistencyLevel: eventual`, so it may lag a little): enough to size a run's structures.
     */
    async countUsers(call: CallOptions = {}): Promise<number> {
        const url = new URL(`${this.#options.graphEndpoint}/v1.0/users`);
        url.searchParams.set('$count', 'true');
        url.searchParams.set('$top', '1');
        url.searchParams.set('$select', 'id');
        return this.#getPage(url.toString(), call, decodeCount, undefined, { ConsistencyLevel: 'eventual' });
    }

    /** Every page of users, parsed, following nextLinks until there are none (see `followPages`). */
    listUserPages(options: PageRequestOptions = {}, call: CallOptions = {}): AsyncGenerator<UsersPage> {
        return this.followPages(this.usersUrl(options), this.#parseUsersPage, call);
    }

    /**
     * Every page from `firstUrl` on, following nextLinks until there are none. One request runs
     * ahead of the page the caller holds: the next page's request starts as soon as its link is
     * known, guessed from the raw body (`findNextLinkHint`) before the current page is decoded,
     * and is used only if the decoded nextLink is the same. At most two pages are in memory; a
     * request ahead is aborted and awaited on early exit, and its failure surfaces when its page
     * is due. A nextLink to a page already answered in this walk stops it (GraphRepeatedNextLink)
     * instead of looping forever.
     */
    async *followPages<P extends LinkedPage>(firstUrl: string, decode: PageDecoder<P>, call: CallOptions = {}): AsyncGenerator<P> {
        const walk: Walk<P> = { call, decode, followed: new Set() };
        let current: PendingPage<P> | undefined = this.#startPage(firstUrl, walk, true);
        try {
            while (current !== undefined) {
                const page: P = await current.promise;
                walk.followed.add(linkKey(current.url));
                let next: PendingPage<P> | undefined;
                if (page.nextLink !== undefined) {
                    if (walk.followed.has(linkKey(page.nextLink))) throw repeatedNextLinkError(walk.followed.size, 'run');
                    next = current.ahead?.url === page.nextLink ? current.ahead : undefined;
                    if (next === undefined) {
                        if (current.ahead !== undefined) await discard(current.ahead);
                        next = this.#startPage(page.nextLink, walk, false);
                    }
                } else if (current.ahead !== undefined) {
                    await discard(current.ahead);
                }
                current.ahead = undefined;
                current = next;
                // While the caller holds `page`, `next` may learn its own nextLink but must not start it.
                yield page;
                if (current !== undefined) {
                    current.mayRunAhead = true;
                    if (current.hint !== undefined) current.ahead = this.#startPage(current.hint, walk, false);
                }
            }
        } finally {
            if (current !== undefined) await discard(current);
        }
    }

    /** Starts one page's request; `mayRunAhead`: whether its guessed nextLink may start the next one at once. */
    #startPage<P>(url: string, walk: Walk<P>, mayRunAhead: boolean): PendingPage<P> {
        const controller = new AbortController();
        const pending: PendingPage<P> = {
            url,
            controller,
            promise: undefined as unknown as Promise<P>,
            hint: undefined,
            mayRunAhead,
            ahead: undefined,
        };
        const onBody = (body: Buffer): boolean => {
            if (pending.hint !== undefined) return false;
            const hint = findNextLinkHintInBody(body);
            // A link back to an answered page is refused once decoded; never run ahead to it.
            if (hint === undefined || hint === url || walk.followed.has(linkKey(hint))) return false;
            try {
                // The token goes only to the configured origin, guessed link or not.
                pending.hint = resolveNextLink(hint, this.#options.graphEndpoint);
            } catch {
                return false;
            }
            if (!pending.mayRunAhead || pending.ahead !== undefined) return false;
            pending.ahead = this.#startPage(pending.hint, walk, false);
            return true;
        };
        const signal = walk.call.signal === undefined ? controller.signal : AbortSignal.any([controller.signal, walk.call.signal]);
        pending.promise = this.#getPage(url, { ...walk.call, signal }, walk.decode, onBody);
        // Awaited later (or discarded): a failure must not count as an unhandled rejection meanwhile.
        pending.promise.catch(() => undefined);
        return pending;
    }

    readonly #parseUsersPage: PageDecoder<UsersPage> = (bytes, requestId) => {
        const body = JSON.parse(utf8.decode(bytes)) as unknown;
        const value = (body as { value?: unknown } | null)?.value;
        if (!Array.isArray(value)) {
            throw new GraphError('GraphMalformedResponse', 'Graph returned a users page without a "value" array.', {
                ...(requestId === undefined ? {} : { requestId }),
            });
        }
        const rawNext = (body as { '@odata.nextLink'?: unknown })['@odata.nextLink'];
        const nextLink = rawNext === undefined || rawNext === null ? undefined : resolveNextLink(rawNext, this.#options.graphEndpoint);
        return { users: value as GraphUser[], nextLink, requestId };
    };

    async #getPage<P>(
        url: string,
        call: CallOptions,
        decode: PageDecoder<P>,
        onBody: BodyListener | undefined,
        headers: Readonly<Record<string, string>> = {},
    ): Promise<P> {
        // Defence in depth: nothing but the configured Graph origin ever gets the token.
        if (new URL(url).origin !== this.#origin) resolveNextLink(url, this.#options.graphEndpoint);
        const started = Date.now();
        let forceRefresh = false;
        let refreshed = false;
        for (let attempt = 1; ; attempt += 1) {
            const token = await this.#options.tokens.getToken({ forceRefresh });
            forceRefresh = false;
            const stats = call.stats;
            if (stats !== undefined) {
                stats.requests += 1;
                stats.keyVaultMs += token.keyVaultMs;
                stats.tokenMs += token.tokenMs;
            }
            const requestStarted = performance.now();
            const clientRequestId = randomUUID();
            let status: number;
            let body: Buffer;
            let requestId: string | undefined;
            let retryAfterHeader: string | null = null;
            try {
                const response = await fetch(url, {
                    headers: {
                        ...headers,
                        Authorization: `Bearer ${token.token}`,
                        Accept: 'application/json',
                        'client-request-id': clientRequestId,
                    },
                    // A redirect would carry the token to wherever it points.
                    redirect: 'error',
                    signal: combineSignals(AbortSignal.timeout(this.#retry.requestTimeoutMs), call.signal),
                });
                status = response.status;
                requestId = response.headers.get('request-id') ?? undefined;
                retryAfterHeader = response.headers.get('retry-after');
                // Bytes, not text: the export writes users' JSON as Graph sent it, with no decode and re-encode.
                body = Buffer.from(await response.arrayBuffer());
                if (stats !== undefined) stats.graphMs += performance.now() - requestStarted;
            } catch (error) {
                if (stats !== undefined) stats.graphMs += performance.now() - requestStarted;
                if (call.signal?.aborted === true) throw error;
                const reason = describeNetworkError(error, this.#retry.requestTimeoutMs);
                const delay = this.#nextDelay(attempt, started, undefined);
                if (delay === undefined) {
                    throw new GraphError(
                        'GraphUnavailable',
                        `Microsoft Graph could not be reached after ${attempt} attempt(s): ${reason}`,
                        {
                            cause: error,
                            hint: 'Check GRAPH_ENDPOINT and outbound network access; retry later.',
                        },
                    );
                }
                call.logger?.warn(
                    `Graph request failed (${reason}); retry ${attempt} in ${delay} ms. client-request-id: ${clientRequestId}`,
                );
                await this.#wait(delay, call);
                continue;
            }

            if (status >= 200 && status < 300) {
                // A request started ahead goes out now, not after this page's decoding.
                if (onBody?.(body) === true) await setImmediate();
                try {
                    return decode(body, requestId);
                } catch (error) {
                    if (!(error instanceof SyntaxError || error instanceof JsonSyntaxError)) throw error;
                    const delay = this.#nextDelay(attempt, started, undefined);
                    if (delay === undefined) {
                        throw new GraphError(
                            'GraphMalformedResponse',
                            `Graph returned a page that is not valid JSON after ${attempt} attempt(s).`,
                            {
                                cause: error,
                                ...(requestId === undefined ? {} : { requestId }),
                            },
                        );
                    }
                    call.logger?.warn(`Graph returned malformed JSON; retry ${attempt} in ${delay} ms. request-id: ${requestId ?? 'none'}`);
                    await this.#wait(delay, call);
                    continue;
                }
            }

            const text = body.toString('utf8');
            if (requestId !== undefined) call.stats?.failedRequestIds.push(requestId);
            if (status === 401 && !refreshed) {
                // The cached token may have been revoked or expired early: get a fresh one, once.
                refreshed = true;
                forceRefresh = true;
                if (call.stats !== undefined) call.stats.tokenRefreshes += 1;
                call.logger?.warn(`Graph answered 401; retrying once with a fresh token. request-id: ${requestId ?? 'none'}`);
                continue;
            }
            if (RETRYABLE_STATUS.has(status)) {
                const retryAfterMs = parseRetryAfter(retryAfterHeader);
                const delay = this.#nextDelay(attempt, started, retryAfterMs);
                if (delay !== undefined) {
                    call.logger?.warn(`Graph answered ${status}; retry ${attempt} in ${delay} ms. request-id: ${requestId ?? 'none'}`);
                    await this.#wait(delay, call);
                    continue;
                }
                const error = toGraphError(status, text, requestId, { adminConsentUrl: this.#options.adminConsentUrl });
                throw retryAfterMs === undefined
                    ? error
                    : new GraphError(error.code, error.message, {
                          httpStatus: status,
                          status: error.status,
                          retryAfterSeconds: Math.ceil(retryAfterMs / 1000),
                          ...(error.hint === undefined ? {} : { hint: error.hint }),
                          ...(requestId === undefined ? {} : { requestId }),
                      });
            }
            throw toGraphError(status, text, requestId, { adminConsentUrl: this.#options.adminConsentUrl });
        }
    }

    /** The wait before the next attempt, or undefined when the attempt or time budget is spent. */
    #nextDelay(attempt: number, started: number, retryAfterMs: number | undefined): number | undefined {
        if (attempt >= this.#retry.maxAttempts) return undefined;
        const delay = retryAfterMs ?? computeBackoff(attempt - 1, this.#retry);
        if (Date.now() - started + delay > this.#retry.maxTotalMs) return undefined;
        return delay;
    }

    async #wait(ms: number, call: CallOptions): Promise<void> {
        if (call.stats !== undefined) call.stats.retries += 1;
        await sleep(ms, undefined, call.signal === undefined ? {} : { signal: call.signal });
    }
}

function linkKey(url: string): string {
    return createHash('sha256').update(url).digest('base64');
}

const decodeCount: PageDecoder<number> = (bytes, requestId) => {
    const count = (JSON.parse(utf8.decode(bytes)) as { '@odata.count'?: unknown } | null)?.['@odata.count'];
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
        throw new GraphError('GraphMalformedResponse', 'Graph answered $count=true without a count.', {
            ...(requestId === undefined ? {} : { requestId }),
        });
    }
    return count;
};

function combineSignals(timeout: AbortSignal, outer: AbortSignal | undefined): AbortSignal {
    return outer === undefined ? timeout : AbortSignal.any([timeout, outer]);
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        return `no complete response within ${timeoutMs} ms`;
    }
    const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
    const code = typeof cause?.code === 'string' ? cause.code : undefined;
    return code ?? (error instanceof Error ? error.message : String(error));
}
