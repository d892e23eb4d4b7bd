import fc from 'fast-check';

/**
 * JSON texts as a server might write them: any whitespace between tokens, any characters escaped
 * as \uXXXX or \/, keys possibly escaped too. `JSON.parse` of the text gives back the value.
 */
export function serialize(value: unknown, style: { readonly space: string[]; readonly escape: boolean[] }): string {
    let n = 0;
    const ws = (): string => style.space[n++ % style.space.length] ?? '';
    const str = (s: string): string => {
        let out = '"';
        for (const ch of s) {
            const escape = style.escape[n++ % style.escape.length] === true;
            if (ch === '/' && escape) out += '\\/';
            else if (escape)
                out += Array.from({ length: ch.length }, (_, i) => `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');
            else out += JSON.stringify(ch).slice(1, -1);
        }
        return `${out}"`;
    };
    const go = (v: unknown): string => {
        if (v === null || typeof v !== 'object') return typeof v === 'string' ? str(v) : JSON.stringify(v);
        if (Array.isArray(v)) return `[${ws()}${v.map((e) => `${go(e)}${ws()}`).join(`,${ws()}`)}]`;
        const entries = Object.entries(v as Record<string, unknown>);
        return `{${ws()}${entries.map(([k, e]) => `${str(k)}${ws()}:${ws()}${go(e)}${ws()}`).join(`,${ws()}`)}}`;
    };
    return `${ws()}${go(value)}${ws()}`;
}

/** Formatting choices for `serialize`: mostly compact, sometimes spaces, tabs and line breaks; some escapes. */
export const jsonStyle = fc.record({
    space: fc.array(fc.constantFrom('', '', '', ' ', '\n', '\t', '\r\n', '  '), { minLength: 1, maxLength: 8 }),
    escape: fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
});

/** Strings with any code point, quotes, backslashes and control characters among them. */
export const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ unit: fc.constantFrom('"', '\\', '/', '\n', '\u0000', '\u001f', 'é', '明', '😀', '\u2028', 'a'), maxLength: 10 }),
);

/** JSON values with such strings (and numbers of every shape). */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constant(null),
        fc.boolean(),
        fc.integer(),
        // JSON has no -0: it reads back as 0.
        fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d)),
        anyText,
        fc.array(tie('value'), { maxLength: 4 }),
        // Plain objects, as JSON.parse makes them (fc.dictionary's have no prototype).
        fc.dictionary(anyText, tie('value'), { maxKeys: 4 }).map((d) => ({ ...d })),
    ),
})).value;
