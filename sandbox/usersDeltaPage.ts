import type { GraphErrorAnswer } from './GraphErrorAnswer.js';
import type { DeltaExpiryAnswer } from './SandboxDelta.js';
import type { SandboxState } from './SandboxState.js';
import { DEFAULT_USER_PROPERTIES, USER_PROPERTIES, mulberry32, type UserProperty } from './SandboxUser.js';
import type { SkipTokenCodec } from './SkipTokenCodec.js';

/**
 * Where a delta token points. `i`: the initial round, scanning the directory from index `p`
 * (`r`: the last user sent, replayed at the top of the next page); `c`: a round of the users
 * changed in events `f`+1..`t`, at position `p` of that list; `d`: a deltaLink, from event `t` on.
 * `s`: the select as a bitmask of USER_PROPERTIES (-1: Graph's default properties). `e`: epoch.
 */
interface Cursor {
    readonly e: number;
    readonly m: 'i' | 'c' | 'd';
    readonly f: number;
    readonly t: number;
    readonly p: number;
    readonly r: number;
    readonly s: number;
}

/** A page to send (links not yet decorated with faults), or a Graph error. */
export type DeltaAnswer = { readonly page: Record<string, unknown> } | { readonly error: GraphErrorAnswer };

const KNOWN = new Set(['$select', '$deltatoken', '$skiptoken', '$top', '$filter', '$orderby', '$expand']);
const PROPERTY_BY_LOWER = new Map(USER_PROPERTIES.map((p) => [p.toLowerCase(), p]));
/** Changes replayed from before a round's start, as Graph may send again what a client already has. */
const REPLAY_WINDOW = 3;

const EXPIRED: Readonly<Record<DeltaExpiryAnswer, GraphErrorAnswer>> = {
    syncStateNotFound: {
        status: 400,
        code: 'syncStateNotFound',
        message: 'The sync state generation is not found. The delta token is expired and data must be synchronized again.',
    },
    gone: { status: 410, code: 'Gone', message: 'The delta token is no longer valid; start a new synchronization.' },
    resyncRequired: { status: 400, code: 'BadRequest', message: 'Resync required.', innerCode: 'resyncRequired' },
};

/**
 * `GET /v1.0/users/delta` over the sandbox directory: `$select` only in the first request (baked
 * into the links after that, as in Graph), `$top` ignored (pages of `pageSize`), users without the
 * properties never set and in Graph's order rather than `$select`'s (see render), `@removed` with
 * reason `changed` (soft-deleted) or `deleted`, `$deltatoken=latest`, replays and token expiry
 * on demand (SandboxDelta). Each user is sent as it is when its page is served: paging is not
 * isolated from concurrent changes, and whatever changed after a round's start replays in the
 * next round.
 */
export function createUsersDeltaPage(state: SandboxState, tokens: SkipTokenCodec): (params: URLSearchParams) => DeltaAnswer {
    const { directory, delta } = state;
    const lists = new Map<string, number[]>();
    const encode = (cursor: Cursor): string => tokens.encodeBytes(Buffer.from(JSON.stringify(cursor)));
    const link = (kind: 'skiptoken' | 'deltatoken', cursor: Cursor): string => {
        const token = encode(cursor);
        if (kind === 'deltatoken') delta.recordDeltaToken(token);
        return `${state.origins.graph}/v1.0/users/delta?$${kind}=${token}`;
    };
    const selectOf = (mask: number): readonly UserProperty[] =>
        mask < 0 ? DEFAULT_USER_PROPERTIES : USER_PROPERTIES.filter((_, i) => (mask & (2 ** i)) !== 0);
    const body = (mask: number, value: object[], next: Record<string, string>): Record<string, unknown> => ({
        '@odata.context': `${state.origins.graph}/v1.0/$metadata#users${mask < 0 ? '' : `(${selectOf(mask).join(',')})`}`,
        ...next,
        value,
    });
    /**
     * A user as delta sends it (user: delta, "Default: return the same properties as initial delta
     * request"): the selected properties, but one never set is left out, where `/users` sends null;
     * one set to null is sent as null. In Graph's schema order with `id` last, not in `$select`'s
     * order; `id` always.
     */
    const render = (index: number, mask: number): object => {
        const record = directory.recordAt(index);
        const status = directory.status(index);
        if (status !== 'active') return { id: record.id, '@removed': { reason: status === 'softDeleted' ? 'changed' : 'deleted' } };
        const out: Record<string, unknown> = {};
        for (const p of selectOf(mask)) {
            if (p !== 'id' && (record[p] !== null || directory.wasSet(index, p))) out[p] = record[p];
        }
        out.id = record.id;
        return out;
    };
    /** The users a changes round sends, with replays when on; computed once per round. */
    const changedList = (from: number, to: number, mask: number): number[] => {
        const key = `${from}:${to}:${mask}`;
        const cached = lists.get(key);
        if (cached !== undefined) return cached;
        const select = new Set(selectOf(mask));
        let list = directory.changedBetween(from, to, select);
        if (delta.replays) {
            const earlier = directory.changedBetween(Math.max(0, from - REPLAY_WINDOW), from, select);
            list = shuffle([...list, ...list.filter((_, i) => i % 4 === 0), ...earlier], from * 31 + to);
        }
        if (lists.size > 32) lists.clear();
        lists.set(key, list);
        return list;
    };

    return (params) => {
        const bad = (message: string, code = 'Request_BadRequest'): DeltaAnswer => ({ error: { status: 400, code, message } });
        for (const key of params.keys()) {
            if (!KNOWN.has(key.toLowerCase())) return bad(`Query option '${key}' is not supported.`, 'BadRequest');
        }
        if (params.has('$filter') || params.has('$orderby') || params.has('$expand')) {
            return bad('The sandbox users delta supports only $select.', 'Request_UnsupportedQuery');
        }
        const deltaToken = params.get('$deltatoken');
        const skipToken = params.get('$skiptoken');
        const selectText = params.get('$select');

        if (deltaToken === 'latest' || (deltaToken === null && skipToken === null)) {
            let mask = -1;
            if (selectText !== null) {
                mask = 0;
                for (const name of selectText.split(',').map((s) => s.trim())) {
                    const property = PROPERTY_BY_LOWER.get(name.toLowerCase());
                    if (property === undefined)
                        return bad(`Could not find a property named '${name}' on type 'microsoft.graph.user'.`, 'BadRequest');
                    mask |= 2 ** USER_PROPERTIES.indexOf(property);
                }
            }
            const now = directory.sequence;
            if (deltaToken === 'latest') {
                return {
                    page: body(mask, [], {
                        '@odata.deltaLink': link('deltatoken', { e: delta.epoch, m: 'd', f: now, t: now, p: 0, r: -1, s: mask }),
                    }),
                };
            }
            return initialPage({ e: delta.epoch, m: 'i', f: 0, t: now, p: 0, r: -1, s: mask });
        }
        if (selectText !== null) return bad('Query parameters are part of the nextLink or deltaLink; do not add them.', 'BadRequest');
        if (deltaToken !== null && skipToken !== null) return bad('Only one of $deltatoken and $skiptoken may be given.', 'BadRequest');
        const payload = tokens.decodeBytes(deltaToken ?? skipToken ?? '');
        let cursor: Cursor;
        try {
            cursor = JSON.parse(payload?.toString('utf8') ?? '') as Cursor;
        } catch {
            return bad('The delta token is not valid.', 'badRequest');
        }
        if ((deltaToken !== null) !== (cursor.m === 'd')) return bad('The delta token is not valid.', 'badRequest');
        const expired = delta.expiredAnswer(cursor.e);
        if (expired !== undefined)
            return {
                error:
                    expired === 'gone'
                        ? { ...EXPIRED.gone, headers: { location: `${state.origins.graph}/v1.0/users/delta` } }
                        : EXPIRED[expired],
            };
        if (cursor.m === 'i') return initialPage(cursor);
        const changes = cursor.m === 'd' ? { ...cursor, m: 'c' as const, f: cursor.t, t: directory.sequence, p: 0 } : cursor;
        const list = changedList(changes.f, changes.t, changes.s);
        const end = Math.min(changes.p + delta.pageSize, list.length);
        const value = list.slice(changes.p, end).map((index) => render(index, changes.s));
        const next: Record<string, string> =
            end < list.length
                ? { '@odata.nextLink': link('skiptoken', { ...changes, p: end }) }
                : {
                      '@odata.deltaLink': link('deltatoken', {
                          e: delta.epoch,
                          m: 'd',
                          f: changes.t,
                          t: changes.t,
                          p: 0,
                          r: -1,
                          s: changes.s,
                      }),
                  };
        return { page: body(changes.s, value, next) };
    };

    function initialPage(cursor: Cursor): DeltaAnswer {
        const value: object[] = [];
        if (delta.replays && cursor.r >= 0 && directory.status(cursor.r) === 'active') value.push(render(cursor.r, cursor.s));
        let index = directory.nextActive(cursor.p);
        let last = -1;
        while (index < directory.size && value.length < delta.pageSize) {
            value.push(render(index, cursor.s));
            last = index;
            index = directory.nextActive(index + 1);
        }
        const next: Record<string, string> =
            index < directory.size
                ? { '@odata.nextLink': link('skiptoken', { ...cursor, p: index, r: last }) }
                : {
                      '@odata.deltaLink': link('deltatoken', {
                          e: delta.epoch,
                          m: 'd',
                          f: cursor.t,
                          t: cursor.t,
                          p: 0,
                          r: -1,
                          s: cursor.s,
                      }),
                  };
        return { page: body(cursor.s, value, next) };
    }
}

/** A deterministic Fisher-Yates shuffle. */
function shuffle(list: number[], seed: number): number[] {
    const random = mulberry32(seed);
    for (let i = list.length - 1; i > 0; i -= 1) {
        const j = Math.floor(random() * (i + 1));
        const swapped = list[i] ?? 0;
        list[i] = list[j] ?? 0;
        list[j] = swapped;
    }
    return list;
}
