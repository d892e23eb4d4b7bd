import { KeyMatcher } from '../json/KeyMatcher.js';
import {
    JsonSyntaxError,
    decodeString,
    forEachElement,
    forEachMember,
    skipByteOrderMark,
    skipString,
    skipValue,
    skipWhitespace,
} from '../json/scanJson.js';
import type { SelectedProperties } from './SelectedProperties.js';

/** One element of a page's `value`, located in the raw body rather than parsed. */
export interface ScannedUser {
    /** The `id` string; undefined when the element is not an object or has no string `id`. */
    readonly id: string | undefined;
    /** Byte span of the element's JSON in the body. */
    readonly start: number;
    readonly end: number;
    /** The element holds exactly the selected properties and no line break: its bytes are its NDJSON line as they are. */
    readonly verbatim: boolean;
    /** Delta removals (`"@removed": {"reason": ...}`): the reason, or null when Graph gave none. Undefined otherwise. */
    readonly removed: string | null | undefined;
}

export interface ScannedUsersPage {
    /** Undefined when the page has no `value` array. */
    readonly users: readonly ScannedUser[] | undefined;
    /** `@odata.nextLink` / `@odata.deltaLink` as sent (strings unless Graph misbehaved); undefined when absent or null. */
    readonly nextLink: unknown;
    readonly deltaLink: unknown;
}

const PAGE_KEYS = new KeyMatcher(['value', '@odata.nextLink', '@odata.deltaLink']);
const REMOVED_KEY = new KeyMatcher(['@removed']);
const QUOTE = 0x22;

/**
 * Scans a Graph users page (`/users` or `/users/delta`) as `JSON.parse` would read it, without
 * building its users: each element's byte span, its `id`, whether it is a removal, and whether its
 * bytes can be written as they are. Throws JsonSyntaxError on anything `JSON.parse` would reject.
 * Duplicate keys resolve as in `JSON.parse`: the last one wins.
 */
export function scanUsersPage(body: Buffer, select: SelectedProperties): ScannedUsersPage {
    let users: ScannedUser[] | undefined;
    let nextLink: unknown;
    let deltaLink: unknown;
    // A line break can only be whitespace between tokens (strings must escape it); look per user only if the body has one.
    const lineBreaks = body.includes(0x0a) || body.includes(0x0d);
    const start = skipWhitespace(body, skipByteOrderMark(body));
    if (body[start] !== 0x7b) throw new JsonSyntaxError('a users page must be an object', start);
    const end = forEachMember(body, start, (keyStart, keyEnd, valueStart) => {
        const key = PAGE_KEYS.indexOf(body, keyStart, keyEnd);
        if (key === 0 && body[valueStart] === 0x5b) {
            const list: ScannedUser[] = [];
            const order: number[] = [];
            const valueEnd = forEachElement(body, valueStart, (at) => {
                const user = scanUser(body, at, select, lineBreaks, order);
                list.push(user);
                return user.end;
            });
            users = list;
            return valueEnd;
        }
        const valueEnd = skipValue(body, valueStart);
        if (key === 0) users = undefined;
        else if (key === 1) nextLink = readLink(body, valueStart, valueEnd);
        else if (key === 2) deltaLink = readLink(body, valueStart, valueEnd);
        return valueEnd;
    });
    if (skipWhitespace(body, end) !== body.length) throw new JsonSyntaxError('unexpected data after the page', end);
    return { users, nextLink, deltaLink };
}

/**
 * One element of `value`. The member loop is written out rather than run through forEachMember:
 * this is the export's hottest loop (every property of every user), and it guesses each key
 * from the previous user's order.
 */
function scanUser(body: Buffer, start: number, select: SelectedProperties, lineBreaks: boolean, order: number[]): ScannedUser {
    if (body[start] !== 0x7b) return { id: undefined, start, end: skipValue(body, start), verbatim: false, removed: undefined };
    let id: string | undefined;
    let removed: string | null | undefined;
    let bits = 0;
    let extra = false;
    let i = skipWhitespace(body, start + 1);
    let member = 0;
    if (body[i] !== 0x7d) {
        for (;;) {
            const keyStart = i;
            const keyEnd = skipString(body, i);
            i = skipWhitespace(body, keyEnd);
            if (body[i] !== 0x3a) throw new JsonSyntaxError('expected ":"', i);
            const valueStart = skipWhitespace(body, i + 1);
            const valueEnd = skipValue(body, valueStart);
            const index = select.keys.indexOf(body, keyStart, keyEnd, order[member] ?? -1);
            order[member] = index;
            member += 1;
            if (index < 0) {
                extra = true;
                if (REMOVED_KEY.indexOf(body, keyStart, keyEnd) === 0) removed = removalReason(body, valueStart, valueEnd);
            } else {
                const bit = 1 << index;
                // A repeated key: JSON.parse keeps the last, a verbatim line would keep both.
                if ((bits & bit) !== 0) extra = true;
                bits |= bit;
                if (index === select.idIndex) id = body[valueStart] === QUOTE ? decodeString(body, valueStart, valueEnd) : undefined;
            }
            i = skipWhitespace(body, valueEnd);
            if (body[i] === 0x7d) break;
            if (body[i] !== 0x2c) throw new JsonSyntaxError('expected "," or "}"', i);
            i = skipWhitespace(body, i + 1);
        }
    }
    const end = i + 1;
    const verbatim = !extra && bits === select.allBits && !(lineBreaks && hasLineBreak(body, start, end));
    return { id, start, end, verbatim, removed };
}

function removalReason(body: Buffer, start: number, end: number): string | null {
    const value = JSON.parse(body.toString('utf8', start, end)) as unknown;
    const reason = typeof value === 'object' && value !== null ? (value as { reason?: unknown }).reason : undefined;
    return typeof reason === 'string' ? reason : null;
}

function readLink(body: Buffer, start: number, end: number): unknown {
    if (body[start] === QUOTE) return decodeString(body, start, end);
    const value = JSON.parse(body.toString('utf8', start, end)) as unknown;
    return value ?? undefined;
}

function hasLineBreak(body: Buffer, start: number, end: number): boolean {
    for (let k = start; k < end; k += 1) if (body[k] === 0x0a || body[k] === 0x0d) return true;
    return false;
}
