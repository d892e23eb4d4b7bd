/**
 * The suite-wide secret-hygiene guard, preloaded into every test process by scripts/runTests.ts
 * (`node --test --import`). It records everything the process writes to stdout/stderr plus every
 * log line, response body and error the tests hand it, and at exit fails the process if any of it
 * contains a registered secret or token, or anything shaped like a JWT.
 */
import { inspect } from 'node:util';

type ForbiddenSource = () => readonly string[];

const recorded: string[] = [];
/** Texts checked on the spot and not kept (load tests), counted for the report. */
let scannedOnly = 0;
const sources: ForbiddenSource[] = [];
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/;

export const hygiene = {
    /** A log line, response body or any text that left the code under test. */
    recordText(text: string): void {
        recorded.push(text);
    },
    /**
     * Checks a text against the values registered so far and keeps it only if it leaks: for load
     * tests, whose tens of thousands of lines would otherwise be what their memory check measures.
     */
    scanText(text: string): void {
        scannedOnly += 1;
        if (JWT.test(text) || sources.some((s) => s().some((v) => v.length >= 8 && text.includes(v)))) recorded.push(text);
    },
    /** An error as a caller would see it, deeply: wrapped SDK errors can carry request headers. */
    recordError(error: unknown): void {
        recorded.push(inspect(error, { depth: 12, showHidden: true, breakLength: Infinity }));
    },
    /** Values that must never appear (client secrets, issued tokens), read at exit. */
    registerForbidden(source: ForbiddenSource): void {
        sources.push(source);
    },
    /** What the guard would report now: indexes of offending records and what leaked. */
    findLeaks(): { index: number; kind: string }[] {
        const forbidden = sources.flatMap((s) => s()).filter((v) => v.length >= 8);
        const leaks: { index: number; kind: string }[] = [];
        recorded.forEach((text, index) => {
            if (JWT.test(text)) leaks.push({ index, kind: 'JWT-shaped string' });
            else if (forbidden.some((v) => text.includes(v))) leaks.push({ index, kind: 'registered secret or token' });
        });
        return leaks;
    },
    get recordedCount(): number {
        return recorded.length + scannedOnly;
    },
};

function tap(stream: NodeJS.WriteStream): void {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = (chunk: unknown, ...rest: unknown[]) => {
        if (typeof chunk === 'string') recorded.push(chunk);
        else if (chunk instanceof Uint8Array) recorded.push(Buffer.from(chunk).toString('utf8'));
        return write(chunk, ...rest);
    };
}
tap(process.stdout);
tap(process.stderr);

process.on('exit', () => {
    const leaks = hygiene.findLeaks();
    if (leaks.length === 0) return;
    // Name the records, never the leaked value.
    process.stderr.write(
        `SECRET HYGIENE FAILURE: ${leaks.length} of ${recorded.length} records leak: ${leaks
            .slice(0, 5)
            .map((l) => `#${l.index} (${l.kind})`)
            .join(', ')}\n`,
    );
    process.exitCode = 1;
});
