/**
 * An exact, validating JSON scanner over UTF-8 bytes: it finds where values start and end without
 * building them, so a Graph page can be cut into its users' raw JSON and written as NDJSON lines
 * with no `JSON.parse`/`JSON.stringify` round trip. It accepts exactly what `JSON.parse` accepts
 * (RFC 8259 grammar: no trailing commas, no leading zeros, escapes and control characters checked),
 * which `test/unit/scanJson.test.ts` checks property by property against `JSON.parse`.
 * Structural characters are ASCII and never occur inside a multi-byte UTF-8 sequence, so scanning
 * bytes is as exact as scanning text.
 */

/** The input is not valid JSON (or not in the shape the caller expects). */
export class JsonSyntaxError extends Error {
    readonly position: number;
    constructor(what: string, position: number) {
        super(`Invalid JSON at byte ${position}: ${what}.`);
        this.name = 'JsonSyntaxError';
        this.position = position;
    }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;

/** Escapes JSON allows after a backslash, besides `u`: `" \ / b f n r t`. */
const SIMPLE_ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);
const LITERALS: readonly (readonly number[])[] = [[...Buffer.from('true')], [...Buffer.from('false')], [...Buffer.from('null')]];

function isDigit(c: number | undefined): boolean {
    return c !== undefined && c >= 0x30 && c <= 0x39;
}

function isHex(c: number | undefined): boolean {
    return c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}

export function skipWhitespace(b: Uint8Array, i: number): number {
    for (;;) {
        const c = b[i];
        if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
        i += 1;
    }
}

/** `i` at an opening quote; returns the index after the closing quote. */
export function skipString(b: Uint8Array, i: number): number {
    if (b[i] !== QUOTE) throw new JsonSyntaxError('expected a string', i);
    i += 1;
    for (;;) {
        const c = b[i];
        // The hot path: a plain character (an undefined past the end fails every comparison).
        if (c !== undefined && c >= 0x20 && c !== QUOTE && c !== BACKSLASH) {
            i += 1;
            continue;
        }
        if (c === QUOTE) return i + 1;
        if (c === BACKSLASH) {
            const e = b[i + 1];
            if (e === 0x75 /* u */) {
                if (!(isHex(b[i + 2]) && isHex(b[i + 3]) && isHex(b[i + 4]) && isHex(b[i + 5]))) {
                    throw new JsonSyntaxError('bad \\u escape', i);
                }
                i += 6;
            } else if (e !== undefined && SIMPLE_ESCAPES.has(e)) {
                i += 2;
            } else {
                throw new JsonSyntaxError('bad escape', i);
            }
            continue;
        }
        throw new JsonSyntaxError(c === undefined ? 'unterminated string' : 'control character in a string', i);
    }
}

function skipNumber(b: Uint8Array, i: number): number {
    const start = i;
    if (b[i] === MINUS) i += 1;
    if (b[i] === 0x30) {
        i += 1;
    } else if (isDigit(b[i])) {
        while (isDigit(b[i])) i += 1;
    } else {
        throw new JsonSyntaxError('bad number', start);
    }
    if (b[i] === 0x2e /* . */) {
        i += 1;
        if (!isDigit(b[i])) throw new JsonSyntaxError('bad fraction', start);
        while (isDigit(b[i])) i += 1;
    }
    if (b[i] === 0x65 || b[i] === 0x45 /* e E */) {
        i += 1;
        if (b[i] === 0x2b || b[i] === MINUS) i += 1;
        if (!isDigit(b[i])) throw new JsonSyntaxError('bad exponent', start);
        while (isDigit(b[i])) i += 1;
    }
    return i;
}

function skipLiteral(b: Uint8Array, i: number): number {
    for (const literal of LITERALS) {
        if (b[i] !== literal[0]) continue;
        for (let k = 1; k < literal.length; k += 1) {
            if (b[i + k] !== literal[k]) throw new JsonSyntaxError('bad literal', i);
        }
        return i + literal.length;
    }
    throw new JsonSyntaxError('unexpected character', i);
}

/** After an object's `{` or `,`: whitespace, a key, whitespace, `:` and whitespace; returns the value's start. */
function skipKey(b: Uint8Array, i: number): number {
    i = skipString(b, skipWhitespace(b, i));
    i = skipWhitespace(b, i);
    if (b[i] !== COLON) throw new JsonSyntaxError('expected ":"', i);
    return skipWhitespace(b, i + 1);
}

/**
 * `i` at the first byte of a value (whitespace already skipped); returns the index just after it.
 * Scalars return at once; containers are walked iteratively, so nesting depth is bounded by
 * memory rather than the call stack.
 */
export function skipValue(b: Uint8Array, i: number): number {
    const c = b[i];
    if (c === QUOTE) return skipString(b, i);
    if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) return c === MINUS || isDigit(c) ? skipNumber(b, i) : skipLiteral(b, i);
    // One entry per open container: true for an object, false for an array.
    const open: boolean[] = [];
    for (;;) {
        const d = b[i];
        if (d === OPEN_OBJECT) {
            i = skipWhitespace(b, i + 1);
            if (b[i] === CLOSE_OBJECT) {
                i += 1;
            } else {
                open.push(true);
                i = skipKey(b, i);
                continue;
            }
        } else if (d === OPEN_ARRAY) {
            i = skipWhitespace(b, i + 1);
            if (b[i] === CLOSE_ARRAY) {
                i += 1;
            } else {
                open.push(false);
                continue;
            }
        } else if (d === QUOTE) {
            i = skipString(b, i);
        } else if (d === MINUS || isDigit(d)) {
            i = skipNumber(b, i);
        } else {
            i = skipLiteral(b, i);
        }
        // A value ended: close containers until one continues with a comma.
        for (;;) {
            const inObject = open.at(-1);
            if (inObject === undefined) return i;
            i = skipWhitespace(b, i);
            const e = b[i];
            if (e === COMMA) {
                i = inObject ? skipKey(b, i + 1) : skipWhitespace(b, i + 1);
                break;
            }
            if (e !== (inObject ? CLOSE_OBJECT : CLOSE_ARRAY)) throw new JsonSyntaxError(`expected "," or "${inObject ? '}' : ']'}"`, i);
            open.pop();
            i += 1;
        }
    }
}

/**
 * Calls `member(keyStart, keyEnd, valueStart)` for each member of the object at `i` (its `{`), in
 * order; `member` returns the index after the value it was given. Returns the index after `}`.
 * `keyStart`/`keyEnd` span the key with its quotes.
 */
export function forEachMember(b: Uint8Array, i: number, member: (keyStart: number, keyEnd: number, valueStart: number) => number): number {
    if (b[i] !== OPEN_OBJECT) throw new JsonSyntaxError('expected an object', i);
    i = skipWhitespace(b, i + 1);
    if (b[i] === CLOSE_OBJECT) return i + 1;
    for (;;) {
        const keyStart = i;
        const keyEnd = skipString(b, i);
        i = skipWhitespace(b, keyEnd);
        if (b[i] !== COLON) throw new JsonSyntaxError('expected ":"', i);
        i = skipWhitespace(b, member(keyStart, keyEnd, skipWhitespace(b, i + 1)));
        if (b[i] === CLOSE_OBJECT) return i + 1;
        if (b[i] !== COMMA) throw new JsonSyntaxError('expected "," or "}"', i);
        i = skipWhitespace(b, i + 1);
    }
}

/**
 * Calls `element(start)` for each element of the array at `i` (its `[`); `element` returns the
 * index after the element. Returns the index after `]`.
 */
export function forEachElement(b: Uint8Array, i: number, element: (start: number) => number): number {
    if (b[i] !== OPEN_ARRAY) throw new JsonSyntaxError('expected an array', i);
    i = skipWhitespace(b, i + 1);
    if (b[i] === CLOSE_ARRAY) return i + 1;
    for (;;) {
        i = skipWhitespace(b, element(i));
        if (b[i] === CLOSE_ARRAY) return i + 1;
        if (b[i] !== COMMA) throw new JsonSyntaxError('expected "," or "]"', i);
        i = skipWhitespace(b, i + 1);
    }
}

/** The string value of the JSON string spanning `start` (its opening quote) to `end` (after its closing quote). */
export function decodeString(b: Buffer, start: number, end: number): string {
    for (let k = start + 1; k < end - 1; k += 1) {
        if (b[k] === BACKSLASH) return JSON.parse(b.toString('utf8', start, end)) as string;
    }
    return b.toString('utf8', start + 1, end - 1);
}

/** Index after a UTF-8 byte order mark at the start, as `TextDecoder` (and so `Response.text()`) strips it. */
export function skipByteOrderMark(b: Uint8Array): number {
    return b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
}
