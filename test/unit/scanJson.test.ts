/**
 * The byte scanner the export cuts users out of Graph pages with must read JSON exactly as
 * JSON.parse does: same values, same verdict on invalid input. Checked property by property.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { JsonSyntaxError, decodeString, skipString, skipValue, skipWhitespace } from '../../src/json/scanJson.js';
import { anyJson, anyText, jsonStyle, serialize } from '../support/jsonArbitraries.js';

/** Whether the scanner accepts `text` as one JSON document. */
function scannerAccepts(text: string): boolean {
    const b = Buffer.from(text);
    try {
        return skipWhitespace(b, skipValue(b, skipWhitespace(b, 0))) === b.length;
    } catch (error) {
        if (error instanceof JsonSyntaxError) return false;
        throw error;
    }
}

function parseAccepts(text: string): boolean {
    try {
        JSON.parse(text);
        return true;
    } catch {
        return false;
    }
}

/** One edit to a valid text: delete, insert or replace a character with one that matters to JSON. */
const edit = fc.record({
    at: fc.nat(),
    kind: fc.constantFrom('delete', 'insert', 'replace'),
    char: fc.constantFrom(
        '"',
        '\\',
        ',',
        ':',
        '{',
        '}',
        '[',
        ']',
        '0',
        '1',
        '-',
        '+',
        '.',
        'e',
        'E',
        't',
        'n',
        'u',
        ' ',
        '\n',
        '\u0001',
        'x',
    ),
});

describe('exact JSON byte scanner', () => {
    it('finds the end of every JSON value, however it is formatted and escaped (property)', () => {
        fc.assert(
            fc.property(anyJson, jsonStyle, (value, style) => {
                const text = serialize(value, style);
                assert.deepEqual(JSON.parse(text), value);
                assert.ok(scannerAccepts(text), text);
            }),
            { numRuns: 2000 },
        );
    });

    it('accepts exactly what JSON.parse accepts (property over edited documents)', () => {
        fc.assert(
            fc.property(anyJson, jsonStyle, fc.array(edit, { minLength: 1, maxLength: 3 }), (value, style, edits) => {
                let text = serialize(value, style);
                for (const e of edits) {
                    const at = text.length === 0 ? 0 : e.at % (text.length + 1);
                    text =
                        e.kind === 'delete'
                            ? text.slice(0, at) + text.slice(at + 1)
                            : e.kind === 'insert'
                              ? text.slice(0, at) + e.char + text.slice(at)
                              : text.slice(0, at) + e.char + text.slice(at + 1);
                }
                assert.equal(scannerAccepts(text), parseAccepts(text), JSON.stringify(text));
            }),
            { numRuns: 5000 },
        );
    });

    it('decodes every string as JSON.parse does, escaped or not (property)', () => {
        fc.assert(
            fc.property(anyText, jsonStyle, (s, style) => {
                const b = Buffer.from(serialize(s, { ...style, space: [''] }));
                assert.equal(skipString(b, 0), b.length);
                assert.equal(decodeString(b, 0, b.length), s);
            }),
            { numRuns: 2000 },
        );
    });

    it('refuses what JSON forbids: leading zeros, trailing commas, bad escapes, raw control characters, bare words', () => {
        for (const text of [
            '01',
            '1.',
            '.5',
            '-',
            '1e',
            '+1',
            '[1,]',
            '{"a":1,}',
            '{"a"}',
            '"\\x"',
            '"\\u12g4"',
            '"a\u0001"',
            'tru',
            'nul',
            'True',
            "'a'",
            '{a:1}',
            '[1 2]',
            '"abc',
        ]) {
            assert.equal(scannerAccepts(text), false, text);
            assert.equal(parseAccepts(text), false, text);
        }
        for (const text of [
            '0',
            '-0.5e+10',
            '1E-2',
            '""',
            '"\\u00e9\\/\\n"',
            '[]',
            '{}',
            ' [ {"a" : [null, true, false]} ] ',
            '"\u2028"',
        ]) {
            assert.equal(scannerAccepts(text), true, text);
        }
    });

    it('keeps nesting off the call stack: 100,000 levels deep', () => {
        const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
        assert.ok(scannerAccepts(deep));
    });
});
