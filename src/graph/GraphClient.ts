import { randomUUID } from 'node:crypto';
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import { GraphError } from '../errors/errorClasses.js';
import type { Logger } from '../logging/Logger.js';
import type { AccessToken } from '../token/GraphTokenProvider.js';
import { computeBackoff } from '../retry/computeBackoff.js';
import type { GraphRequestStats, GraphUser, UsersPage } from './GraphUser.js';
import { parseRetryAfter } from '../retry/parseRetryAfter.js';
import { findNextLinkHint } from './findNextLinkHint.js';
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

/** Sees a successful body before it is parsed; returns true when it started a request. */
type BodyListener = (text: string) => boolean;

/** One page's request in `listUserPages`, with the request started ahead from its guessed nextLink. */
interface PendingPage {
    readonly url: string;
    readonly controller: AbortController;
    promise: Promise<UsersPage>;
    /** The nextLink guessed from this page's raw body, origin already checked. */
    hint: string | undefined;
    /** False while the caller still holds the previous page: then no request may start ahead of this one. */
    mayRunAhead: boolean;
    ahead: PendingPage | undefined;
}

/** Aborts a request nobody will read and waits until it has settled. */
async function discard(pending: PendingPage): Promise<void> {
    pending.controller.abort();
    if (pending.ahead !== undefined) await discard(pending.ahead);
    await pending.promise.catch(() => undefined);
}

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
        return this.#getUsersPage(url, call, undefined);
    }

    /**
     * Every page of users, following nextLinks until there are none. One request runs ahead of
     * the page the caller holds: the next page's request starts as soon as its link is known,
     * guessed from the raw body (`findNextLinkHint`) before the current page is parsed, and is
     * used only if the parsed nextLink is the same. At most two pages are in memory; a request
     * ahead is aborted and awaited on early exit, and its failure surfaces when its page is due.
     */
    async *listUserPages(options: PageRequestOptions = {}, call: CallOptions = {}): AsyncGenerator<UsersPage> {
        let current: PendingPage | undefined = this.#startPage(this.usersUrl(options), call, true);
        try {
            while (current !== undefined) {
                const page: UsersPage = await current.promise;
                let next: PendingPage | undefined;
                if (page.nextLink !== undefined) {
                    next = current.ahead?.url === page.nextLink ? current.ahead : undefined;
                    if (next === undefined) {
                        if (current.ahead !== undefined) await discard(current.ahead);
                        next = this.#startPage(page.nextLink, call, false);
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
                    if (current.hint !== undefined) current.ahead = this.#startPage(current.hint, call, false);
                }
            }
        } finally {
            if (current !== undefined) await discard(current);
        }
    }

    /** Starts one page's request; `mayRunAhead`: whether its guessed nextLink may start the next one at once. */
    #startPage(url: string, call: CallOptions, mayRunAhead: boolean): PendingPage {
        const controller = new AbortController();
        const pending: PendingPage = {
            url,
            controller,
            promise: undefined as unknown as Promise<UsersPage>,
            hint: undefined,
            mayRunAhead,
            ahead: undefined,
        };
        const onBody = (text: string): boolean => {
            if (pending.hint !== undefined) return false;
            const hint = findNextLinkHint(text);
            if (hint === undefined) return false;
            try {
                // The token goes only to the configured origin, guessed link or not.
                pending.hint = resolveNextLink(hint, this.#options.graphEndpoint);
            } catch {
                return false;
            }
            if (!pending.mayRunAhead || pending.ahead !== undefined) return false;
            pending.ahead = this.#startPage(pending.hint, call, false);
            return true;
        };
        const signal = call.signal === undefined ? controller.signal : AbortSignal.any([controller.signal, call.signal]);
        pending.promise = this.#getUsersPage(url, { ...call, signal }, onBody);
        // Awaited later (or discarded): a failure must not count as an unhandled rejection meanwhile.
        pending.promise.catch(() => undefined);
        return pending;
    }

    async #getUsersPage(url: string, call: CallOptions, onBody: BodyListener | undefined): Promise<UsersPage> {
        const { body, requestId } = await this.#getJson(url, call, onBody);
        const value = (body as { value?: unknown }).value;
        if (!Array.isArray(value)) {
            throw new GraphError('GraphMalformedResponse', 'Graph returned a users page without a "value" array.', {
                ...(requestId === undefined ? {} : { requestId }),
            });
        }
        const rawNext = (body as { '@odata.nextLink'?: unknown })['@odata.nextLink'];
        const nextLink = rawNext === undefined || rawNext === null ? undefined : resolveNextLink(rawNext, this.#options.graphEndpoint);
        return { users: value as GraphUser[], nextLink, requestId };
    }

    async #getJson(url: string, call: CallOptions, onBody?: BodyListener): Promise<{ body: unknown; requestId: string | undefined }> {
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
            let text: string;
            let requestId: string | undefined;
            let retryAfterHeader: string | null = null;
            try {
                const response = await fetch(url, {
                    headers: { Authorization: `Bearer ${token.token}`, Accept: 'application/json', 'client-request-id': clientRequestId },
                    // A redirect would carry the token to wherever it points.
                    redirect: 'error',
                    signal: combineSignals(AbortSignal.timeout(this.#retry.requestTimeoutMs), call.signal),
                });
                status = response.status;
                requestId = response.headers.get('request-id') ?? undefined;
                retryAfterHeader = response.headers.get('retry-after');
                text = await response.text();
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
                // A request started ahead goes out now, not after this page's parse.
                if (onBody?.(text) === true) await setImmediate();
                try {
                    return { body: JSON.parse(text) as unknown, requestId };
                } catch (error) {
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
