import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GraphErrorAnswer } from './GraphErrorAnswer.js';
import { SkipTokenCodec } from './SkipTokenCodec.js';
import { USER_PROPERTIES, defaultUserView } from './SandboxUser.js';
import type { SandboxUserRecord, UserProperty } from './SandboxUser.js';
import type { SandboxState } from './SandboxState.js';
import type { ServiceExchange } from './ServiceServer.js';
import { createUsersDeltaPage } from './usersDeltaPage.js';

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 999;
const KNOWN_OPTIONS = new Set(['$select', '$top', '$skiptoken', '$count', '$filter', '$orderby']);
const READ_ROLES = new Set(['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All']);
const PROPERTY_BY_LOWER = new Map(USER_PROPERTIES.map((p) => [p.toLowerCase(), p]));
const JSON_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const INJECTED_ERRORS: Readonly<Record<number, { code: string; message: string }>> = {
    500: { code: 'generalException', message: 'An unexpected error occurred.' },
    502: { code: 'BadGateway', message: 'Bad Gateway' },
    503: { code: 'serviceNotAvailable', message: 'Service Unavailable' },
    504: { code: 'GatewayTimeout', message: 'The operation has timed out.' },
};

type GraphError = GraphErrorAnswer;
interface PageQuery {
    top: number;
    offset: number;
    select: readonly UserProperty[] | undefined;
    count: boolean;
}

/**
 * Microsoft Graph stand-in: bearer checks, then `/v1.0/users` (`$select`/`$top`/`$skiptoken` paging
 * over the lazy directory) or `/v1.0/users/delta` (see usersDeltaPage), with the same faults.
 */
export function createGraphHandler(state: SandboxState): (exchange: ServiceExchange) => Promise<void> {
    const skipTokens = new SkipTokenCodec();
    const deltaPage = createUsersDeltaPage(state, new SkipTokenCodec());
    return async (exchange) => {
        state.counters.graphRequests++;
        const faults = state.faults.graph;
        if (faults.latencyMs > 0) await sleep(faults.latencyMs);
        const requestId = randomUUID();
        const clientRequestId = exchange.header('client-request-id') ?? requestId;
        const headers = {
            'cache-control': 'no-cache',
            'odata-version': '4.0',
            'request-id': requestId,
            'client-request-id': clientRequestId,
            'x-ms-ags-diagnostic':
                '{"ServerInfo":{"DataCenter":"Sandbox","Slice":"E","Ring":"5","ScaleUnit":"000","RoleInstance":"sandbox"}}',
        };
        const fail = (
            { status, code, message, innerCode, headers: errorHeaders }: GraphError,
            extra: Record<string, string> = {},
        ): void => {
            const date = new Date().toISOString().replace(/\.\d+Z$/, '');
            const innerError = {
                ...(innerCode === undefined ? {} : { code: innerCode }),
                date,
                'request-id': requestId,
                'client-request-id': clientRequestId,
            };
            exchange.sendJson(status, { error: { code, message, innerError } }, { ...headers, ...errorHeaders, ...extra });
        };

        const throttle = faults.throttles.take();
        if (throttle !== undefined) {
            const retry: Record<string, string> = throttle.retryAfter !== undefined ? { 'retry-after': throttle.retryAfter } : {};
            fail({ status: 429, code: 'TooManyRequests', message: 'Too many requests.' }, retry);
            return;
        }
        const injected = faults.failures.take();
        if (injected !== undefined) {
            fail({ status: injected, ...(INJECTED_ERRORS[injected] ?? { code: 'UnknownError', message: 'Unknown error.' }) });
            return;
        }

        const path = exchange.url.pathname.replace(/\/$/, '');
        if (path !== '/v1.0/users' && path !== '/v1.0/users/delta') {
            const segment = path.split('/').at(-1) ?? '';
            fail({ status: 400, code: 'BadRequest', message: `Resource not found for the segment '${segment}'.` });
            return;
        }
        if (exchange.req.method !== 'GET') {
            fail({
                status: 405,
                code: 'Request_BadRequest',
                message: 'Specified HTTP method is not allowed for the request target.',
            });
            return;
        }

        const check = await state.issuer.verify(exchange.header('authorization'), state.origins.graph);
        if (!check.ok) {
            const message = {
                missing: 'Access token is empty.',
                expired: 'Access token has expired or is not yet valid.',
                audience: 'Access token validation failure. Invalid audience.',
                invalid: 'Access token validation failure.',
            }[check.reason];
            fail(
                { status: 401, code: 'InvalidAuthenticationToken', message },
                {
                    'www-authenticate': `Bearer realm="", authorization_uri="${state.origins.entra}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
                },
            );
            return;
        }
        const roles = check.claims.roles;
        if (!Array.isArray(roles) || !roles.some((r) => typeof r === 'string' && READ_ROLES.has(r))) {
            fail({
                status: 403,
                code: 'Authorization_RequestDenied',
                message: 'Insufficient privileges to complete the operation.',
            });
            return;
        }

        let body: Record<string, unknown>;
        if (path === '/v1.0/users/delta') {
            const answer = deltaPage(exchange.url.searchParams);
            if ('error' in answer) {
                fail(answer.error);
                return;
            }
            body = answer.page;
        } else {
            const query = parseQuery(exchange.url.searchParams, exchange.header('consistencylevel'), skipTokens, state.directory.size);
            if ('code' in query) {
                fail(query);
                return;
            }
            body = usersPage(state, query, skipTokens);
        }
        // Link faults apply to whichever link the page carries.
        const linkKey = '@odata.nextLink' in body ? '@odata.nextLink' : '@odata.deltaLink' in body ? '@odata.deltaLink' : undefined;
        if (linkKey !== undefined) {
            const foreign = faults.foreignNextLinks.take();
            if (foreign !== undefined) body[linkKey] = String(body[linkKey]).replace(state.origins.graph, foreign);
            if (linkKey === '@odata.nextLink' && faults.takeRepeatedNextLink()) body[linkKey] = exchange.url.href;
        }
        const text = JSON.stringify(body);

        if (faults.resets.take() !== undefined) {
            // Promise the whole body, deliver half, then drop the connection.
            exchange.writeHead(200, { ...headers, 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) });
            exchange.res.write(text.slice(0, Math.floor(text.length / 2)), () => exchange.res.destroy());
            return;
        }
        if (faults.malformations.take() !== undefined) {
            exchange.send(200, text.slice(0, Math.floor(text.length / 2)), { ...headers, 'content-type': JSON_TYPE });
            return;
        }
        state.counters.graphPages++;
        faults.pageServed();
        exchange.send(200, text, { ...headers, 'content-type': JSON_TYPE });
    };
}

/** One `/users` page: `top` active users from the offset, skipping deleted ones; a nextLink while any remain. */
function usersPage(state: SandboxState, query: PageQuery, skipTokens: SkipTokenCodec): Record<string, unknown> {
    const { directory } = state;
    // A duplicate-users fault starts the page one user early: the last user of the previous page comes again.
    const repeat = query.offset > 0 && state.faults.graph.duplicatedUsers.take() !== undefined;
    let index = directory.nextActive(repeat ? Math.max(0, query.offset - 1) : query.offset);
    const value: object[] = [];
    while (index < directory.size && value.length < query.top) {
        const user = directory.recordAt(index);
        value.push(query.select === undefined ? defaultUserView(user) : project(user, query.select));
        index = directory.nextActive(index + 1);
    }
    const origin = state.origins.graph;
    const selectText = query.select?.join(',');
    const body: Record<string, unknown> = {
        '@odata.context': `${origin}/v1.0/$metadata#users${selectText === undefined ? '' : `(${selectText})`}`,
    };
    if (query.count) body['@odata.count'] = directory.activeCount;
    if (index < directory.size) {
        const select = selectText === undefined ? '' : `&$select=${selectText}`;
        body['@odata.nextLink'] = `${origin}/v1.0/users?$top=${query.top}${select}&$skiptoken=${skipTokens.encode(index)}`;
    }
    body.value = value;
    return body;
}

function parseQuery(
    params: URLSearchParams,
    consistencyLevel: string | undefined,
    skipTokens: SkipTokenCodec,
    userCount: number,
): PageQuery | GraphError {
    const bad = (message: string, code = 'Request_BadRequest'): GraphError => ({ status: 400, code, message });
    const seen = new Map<string, string>();
    for (const [rawKey, value] of params) {
        const key = rawKey.toLowerCase();
        if (!KNOWN_OPTIONS.has(key)) return bad(`Query option '${rawKey}' is not supported.`, 'BadRequest');
        if (seen.has(key))
            return bad(`Query option '${rawKey}' was specified more than once, but it must be specified at most once.`, 'BadRequest');
        seen.set(key, value);
    }
    if (seen.has('$filter') || seen.has('$orderby')) {
        return bad('The sandbox does not evaluate $filter or $orderby.', 'Request_UnsupportedQuery');
    }

    let top = DEFAULT_PAGE_SIZE;
    const topText = seen.get('$top');
    if (topText !== undefined) {
        top = /^\d{1,6}$/.test(topText) ? Number(topText) : NaN;
        if (!(top >= 1 && top <= MAX_PAGE_SIZE)) {
            return bad(`Invalid page size specified: '${topText}'. Must be between 1 and ${MAX_PAGE_SIZE} inclusive.`);
        }
    }

    let select: UserProperty[] | undefined;
    const selectText = seen.get('$select');
    if (selectText !== undefined) {
        select = [];
        for (const name of selectText.split(',').map((s) => s.trim())) {
            const property = PROPERTY_BY_LOWER.get(name.toLowerCase());
            if (property === undefined) {
                return bad(`Could not find a property named '${name}' on type 'microsoft.graph.user'.`, 'BadRequest');
            }
            if (!select.includes(property)) select.push(property);
        }
    }

    let count = false;
    const countText = seen.get('$count');
    if (countText !== undefined) {
        if (countText !== 'true' && countText !== 'false') return bad(`Invalid value '${countText}' for $count.`, 'BadRequest');
        count = countText === 'true';
        if (count && consistencyLevel?.toLowerCase() !== 'eventual') return bad('$count is not currently supported.');
    }

    let offset = 0;
    const skipToken = seen.get('$skiptoken');
    if (skipToken !== undefined) {
        const decoded = skipTokens.decode(skipToken);
        if (decoded === undefined || decoded <= 0 || decoded >= userCount) {
            return bad('The specified page token value is not valid.', 'Directory_InvalidPageToken');
        }
        offset = decoded;
    }
    return { top, offset, select, count };
}

function project(user: SandboxUserRecord, select: readonly UserProperty[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const p of select) out[p] = user[p];
    return out;
}
