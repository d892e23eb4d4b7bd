import { GraphError } from '../errors/errorClasses.js';

/**
 * Returns the nextLink exactly as Graph sent it, after checking it points at the configured
 * Graph origin: the bearer token is attached to it, so any other host is refused.
 */
export function resolveNextLink(nextLink: unknown, graphEndpoint: string, name = '@odata.nextLink'): string {
    if (typeof nextLink !== 'string' || nextLink === '') {
        throw new GraphError('GraphMalformedResponse', `Graph returned an ${name} that is not a URL string.`, {});
    }
    let url: URL;
    try {
        url = new URL(nextLink);
    } catch {
        throw new GraphError('GraphMalformedResponse', `Graph returned an ${name} that is not an absolute URL.`, {});
    }
    const expected = new URL(graphEndpoint).origin;
    if (url.origin !== expected) {
        throw new GraphError(
            'GraphForeignNextLink',
            `Refusing to follow ${name} to ${url.origin}: it is not the configured Graph origin ${expected}.`,
            { hint: 'The token is only ever sent to GRAPH_ENDPOINT. Check GRAPH_ENDPOINT, or a proxy rewriting Graph responses.' },
        );
    }
    return nextLink;
}
