import type { HttpResponseInit } from '@azure/functions';
import { NotAcceptableError } from '../../errors/errorClasses.js';
import { formatNdjson } from '../../ndjson/formatNdjson.js';
import type { UsersSegmentResult } from '../../users/UsersService.js';

const NDJSON_TYPE = 'application/x-ndjson';

/**
 * Graph pages per `all=true` response. In Azure, @azure/functions copies a response body into its
 * HTTP proxy with no backpressure and no disconnect detection (src/http/httpProxy.ts
 * sendProxyResponse, Azure/azure-functions-nodejs-library#294), so a streamed body would be read
 * from Graph and buffered in the worker however slow, or gone, the caller is. A bounded segment,
 * read in full before the handler returns, caps both: at most this many pages per request.
 */
export const PAGES_PER_SEGMENT = 2;

/** `all=true` answers NDJSON only: a 406 unless Accept lists application/x-ndjson with a non-zero quality. */
export function assertNdjsonAccepted(accept: string | null): void {
    const accepted = (accept ?? '').split(',').some((range) => {
        const [type, ...parameters] = range.split(';').map((p) => p.trim().toLowerCase());
        const quality = parameters.find((p) => p.startsWith('q='));
        return type === NDJSON_TYPE && (quality === undefined || Number(quality.slice(2)) > 0);
    });
    if (!accepted) throw new NotAcceptableError(`"all=true" answers NDJSON: send "Accept: ${NDJSON_TYPE}".`);
}

/**
 * One `all=true` response: a line per user, then exactly one control line, an object with a
 * single "@" key that no user can have (users always have `id`): `{"@nextPageToken":"..."}` when
 * more users follow, `{"@end":{"users":<total over the whole walk>}}` when complete. A body whose
 * last line is neither was cut off.
 */
export function allUsersNdjsonResponse(segment: UsersSegmentResult): HttpResponseInit {
    const control =
        segment.nextPageToken === undefined ? { '@end': { users: segment.delivered } } : { '@nextPageToken': segment.nextPageToken };
    return {
        status: 200,
        headers: { 'Content-Type': `${NDJSON_TYPE}; charset=utf-8`, 'Cache-Control': 'no-store' },
        body: formatNdjson([...segment.users, control]),
    };
}
