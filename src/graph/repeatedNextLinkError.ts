import { GraphError } from '../errors/errorClasses.js';

/**
 * Graph answered with an @odata.nextLink back to a page already read: following it would loop
 * forever (or, through page tokens, hand a client the same page forever), so the walk stops.
 * `scope`: what stopped, in the operator's words.
 */
export function repeatedNextLinkError(pagesRead: number, scope: 'run' | 'request'): GraphError {
    return new GraphError(
        'GraphRepeatedNextLink',
        `Graph returned an @odata.nextLink to a page already read in this ${scope} (after ${pagesRead} page(s)); following it would loop forever, so the ${scope} stopped.`,
        {
            hint: 'Retry later. If it persists, check for a proxy or cache between the app and Graph that replays responses, and report it to Microsoft with the request-id of the last page.',
        },
    );
}
