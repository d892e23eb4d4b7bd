import { registerSensitiveValue } from '../errors/sanitizeText.js';
import { GraphError } from '../errors/errorClasses.js';
import { createRawPageDecoder, type RawUsersPage } from './createRawPageDecoder.js';
import { DeltaTokenExpired, type DeltaExpiryAnswer } from './DeltaTokenExpired.js';
import type { CallOptions, GraphClient } from './GraphClient.js';
import { resolveNextLink } from './resolveNextLink.js';
import { SelectedProperties } from './SelectedProperties.js';

/**
 * Graph's users delta query (`/v1.0/users/delta`), on the GraphClient's paging, retries, 401
 * refresh and origin checks. `$select` goes only into the first request: Graph bakes it into the
 * nextLinks and the deltaLink, which are followed exactly as returned. Every deltaLink seen is
 * registered with the credential sanitizer: with a token, it reads the directory's changes.
 */
export class UsersDeltaClient {
    readonly #graph: GraphClient;

    constructor(graph: GraphClient) {
        this.#graph = graph;
    }

    /** The origin a deltaLink must have to be followed (the configured Graph's). */
    get graphOrigin(): string {
        return new URL(this.#graph.graphEndpoint).origin;
    }

    /** `/v1.0/users/delta?$select=...&$deltatoken=latest`: a deltaLink for "now", with no users. */
    latestUrl(select: readonly string[]): string {
        const url = new URL(`${this.#graph.graphEndpoint}/v1.0/users/delta`);
        url.searchParams.set('$select', new SelectedProperties(select).names.join(','));
        url.searchParams.set('$deltatoken', 'latest');
        return url.toString();
    }

    /**
     * A deltaLink from which the next round returns every change made after this call. Taken
     * just before a full `/users` read, changes made during the read replay in the next round.
     */
    async latestDeltaLink(select: readonly string[], call: CallOptions = {}): Promise<string> {
        const properties = new SelectedProperties(select);
        const page = await this.#graph.getPage(this.latestUrl(select), this.#decoder(properties), call);
        if (page.deltaLink === undefined || page.users.length > 0) {
            // A Graph (or stand-in) that ignores $deltatoken=latest starts a full enumeration: do not follow it.
            throw new GraphError('GraphMalformedResponse', 'Graph answered $deltatoken=latest with users instead of a deltaLink alone.', {
                ...(page.requestId === undefined ? {} : { requestId: page.requestId }),
            });
        }
        registerSensitiveValue(page.deltaLink, 'token');
        return page.deltaLink;
    }

    /**
     * One delta round from a stored deltaLink: every page until the one carrying the next
     * deltaLink. Throws DeltaTokenExpired when Graph answers that the token can no longer be used.
     */
    async *round(deltaLink: string, select: readonly string[], call: CallOptions = {}): AsyncGenerator<RawUsersPage> {
        registerSensitiveValue(deltaLink, 'token');
        const link = resolveNextLink(deltaLink, this.#graph.graphEndpoint, '@odata.deltaLink');
        let pages = 0;
        try {
            for await (const page of this.#graph.followPages(link, this.#decoder(new SelectedProperties(select)), call)) {
                pages += 1;
                if (page.deltaLink !== undefined) registerSensitiveValue(page.deltaLink, 'token');
                yield page;
            }
        } catch (error) {
            const answer = expiryAnswer(error, pages === 0);
            if (answer === undefined) throw error;
            throw new DeltaTokenExpired(answer, error instanceof GraphError ? error.requestId : undefined);
        }
    }

    #decoder(select: SelectedProperties): ReturnType<typeof createRawPageDecoder> {
        return createRawPageDecoder({ select, graphEndpoint: this.#graph.graphEndpoint, delta: true });
    }
}

/**
 * Graph's "start over" answers (delta-query-overview, "Synchronization reset"; for directory
 * objects 400 syncStateNotFound once a token is older than 7 days), matched on the status and on
 * the outer and inner error codes, case-insensitively (Graph has sent `SyncStateNotFound` too).
 */
function expiryAnswer(error: unknown, firstRequest: boolean): DeltaExpiryAnswer | undefined {
    if (!(error instanceof GraphError)) return undefined;
    if (error.httpStatus === 410) return 'gone';
    const codes = [error.graphCode, error.graphInnerCode].map((c) => c?.toLowerCase());
    if (codes.includes('syncstatenotfound')) return 'syncStateNotFound';
    if (codes.some((c) => c?.startsWith('resync') === true)) return 'resyncRequired';
    // A stored deltaLink that Graph refuses outright (tampered, another tenant, delta unsupported) cannot be resumed either.
    if (firstRequest && (error.httpStatus === 400 || error.httpStatus === 404)) return 'rejected';
    return undefined;
}
