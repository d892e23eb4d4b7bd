/** How far into either end of a page body the nextLink is looked for. */
const WINDOW = 8 * 1024;
const KEY = '"@odata.nextLink"';

/**
 * A cheap guess at a page's top-level `@odata.nextLink`, read from the raw body without parsing
 * it, so the next request can start while this page is parsed. Graph writes the link among the
 * leading `@odata.*` members (before `value`); some servers write it last. Only the first and
 * last few KiB are read. This is a hint, never the truth: the caller must check it against the
 * parsed body before using the page it fetched, and check its origin before sending a token to it.
 */
export function findNextLinkHint(text: string): string | undefined {
    return fromHead(text) ?? fromTail(text);
}

/**
 * The same guess from a raw body: only its first and last WINDOW bytes are decoded. A window may
 * cut a multi-byte character at its edge; that only spoils a guess that is checked anyway.
 */
export function findNextLinkHintInBody(body: Uint8Array): string | undefined {
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    if (bytes.length <= 2 * WINDOW) return findNextLinkHint(bytes.toString('utf8'));
    return fromHead(bytes.toString('utf8', 0, WINDOW)) ?? fromTail(bytes.toString('utf8', bytes.length - WINDOW));
}

/**
 * Walks the leading members of the top-level object while they are plain strings (`"key":"value"`),
 * so every key seen is certainly a top-level one; gives up at the first other value or at WINDOW.
 */
function fromHead(text: string): string | undefined {
    const limit = Math.min(text.length, WINDOW);
    let i = skipSpace(text, 0, limit);
    if (text.charCodeAt(i) !== 0x7b /* { */) return undefined;
    i += 1;
    for (;;) {
        i = skipSpace(text, i, limit);
        const key = readString(text, i, limit);
        if (key === undefined) return undefined;
        i = skipSpace(text, key.end, limit);
        if (text.charCodeAt(i) !== 0x3a /* : */) return undefined;
        i = skipSpace(text, i + 1, limit);
        const value = readString(text, i, limit);
        if (value === undefined) return undefined;
        if (key.value === '@odata.nextLink') return value.value;
        i = skipSpace(text, value.end, limit);
        if (text.charCodeAt(i) !== 0x2c /* , */) return undefined;
        i += 1;
    }
}

/** Accepts only a body that ends with `,"@odata.nextLink":"…"}` (spaces allowed). */
function fromTail(text: string): string | undefined {
    const start = Math.max(0, text.length - WINDOW);
    const found = text.slice(start).lastIndexOf(KEY);
    if (found < 0) return undefined;
    const at = start + found;
    const before = skipSpaceBack(text, at - 1, start);
    if (before < start || text.charCodeAt(before) !== 0x2c /* , */) return undefined;
    let i = skipSpace(text, at + KEY.length, text.length);
    if (text.charCodeAt(i) !== 0x3a /* : */) return undefined;
    i = skipSpace(text, i + 1, text.length);
    const value = readString(text, i, text.length);
    if (value === undefined) return undefined;
    i = skipSpace(text, value.end, text.length);
    if (text.charCodeAt(i) !== 0x7d /* } */) return undefined;
    return skipSpace(text, i + 1, text.length) === text.length ? value.value : undefined;
}

/** A JSON string literal starting at `start` (its opening quote), decoded; undefined if none ends before `limit`. */
function readString(text: string, start: number, limit: number): { value: string; end: number } | undefined {
    if (text.charCodeAt(start) !== 0x22 /* " */) return undefined;
    let escaped = false;
    for (let i = start + 1; i < limit; i += 1) {
        const c = text.charCodeAt(i);
        if (c === 0x5c /* \ */) {
            escaped = true;
            i += 1;
        } else if (c === 0x22) {
            if (!escaped) return { value: text.slice(start + 1, i), end: i + 1 };
            try {
                return { value: JSON.parse(text.slice(start, i + 1)) as string, end: i + 1 };
            } catch {
                return undefined;
            }
        } else if (c < 0x20) {
            return undefined;
        }
    }
    return undefined;
}

function skipSpace(text: string, i: number, limit: number): number {
    while (i < limit && isSpace(text.charCodeAt(i))) i += 1;
    return i;
}

function skipSpaceBack(text: string, i: number, start: number): number {
    while (i >= start && isSpace(text.charCodeAt(i))) i -= 1;
    return i;
}

function isSpace(c: number): boolean {
    return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
