/**
 * The suite-wide secret-hygiene guard, preloaded into every test process by scripts/runTests.ts
 * (`node --test --import`). It records everything the process writes to stdout/stderr plus every
 * log line, response body and error the tests hand it, and at exit fails the process if any of it
 * contains a registered secret or token, or anything shaped like a JWT.
 *
 * It also keeps every error answer an API caller received (handed in by the direct-invoke helpers
 * and the worker harness) and fails the process if one names an internal identifier: a tenant,
 * client or identity id, the vault URL, a secret or certificate name, a consent URL.
 */
import type { HttpResponseInit } from '@azure/functions';
import { inspect } from 'node:util';

type ForbiddenSource = () => readonly string[];

/** An answer as the caller saw it. */
export interface CallerResponse {
    readonly status: number;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body: string;
}

const recorded: string[] = [];
const callerErrors: string[] = [];
const internalSources: ForbiddenSource[] = [];
/** Texts checked on the spot and not kept (load tests), counted for the report. */
let scannedOnly = 0;
const sources: ForbiddenSource[] = [];
const INTERNAL = 'internal identifier in an error answer to a caller';
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
    /** Values no caller may read in an error answer (the configuration's ids, URLs and names), read at exit. */
    registerInternal(source: ForbiddenSource): void {
        internalSources.push(source);
    },
    /**
     * What a caller received. An error answer (4xx/5xx) is kept for the secret and the internal-identifier
     * checks; a success is scanned for secrets on the spot (load tests send tens of thousands).
     */
    recordCallerResponse(response: CallerResponse): void {
        const text = `${response.status} ${JSON.stringify(response.headers ?? {})} ${response.body}`;
        if (response.status < 400) {
            hygiene.scanText(text);
            return;
        }
        recorded.push(text);
        callerErrors.push(text);
    },
    /** A handler's answer, as invoked directly. */
    recordHandlerResponse(response: HttpResponseInit): void {
        const body =
            response.jsonBody !== undefined ? JSON.stringify(response.jsonBody) : typeof response.body === 'string' ? response.body : '';
        const headers =
            response.headers === undefined
                ? {}
                : Object.fromEntries(new Headers(response.headers as ConstructorParameters<typeof Headers>[0]).entries());
        hygiene.recordCallerResponse({ status: response.status ?? 200, headers, body });
    },
    /** What the guard would report now: indexes of offending records and what leaked. */
    findLeaks(): { index: number; kind: string }[] {
        const forbidden = sources.flatMap((s) => s()).filter((v) => v.length >= 8);
        const leaks: { index: number; kind: string }[] = [];
        recorded.forEach((text, index) => {
            if (JWT.test(text)) leaks.push({ index, kind: 'JWT-shaped string' });
            else if (forbidden.some((v) => text.includes(v))) leaks.push({ index, kind: 'registered secret or token' });
        });
        const internal = internalSources.flatMap((s) => s()).filter((v) => v.length >= 8);
        callerErrors.forEach((text, index) => {
            if (internal.some((v) => text.toLowerCase().includes(v.toLowerCase()))) {
                leaks.push({ index, kind: INTERNAL });
            }
        });
        return leaks;
    },
    get recordedCount(): number {
        return recorded.length + scannedOnly;
    },
    /** Error answers checked for internal identifiers so far. */
    get callerErrorCount(): number {
        return callerErrors.length;
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
    const secrets = leaks.filter((l) => l.kind !== INTERNAL);
    const internal = leaks.filter((l) => l.kind === INTERNAL);
    const list = (found: readonly { index: number; kind: string }[]): string =>
        found
            .slice(0, 5)
            .map((l) => `#${l.index} (${l.kind})`)
            .join(', ');
    if (secrets.length > 0) {
        process.stderr.write(`SECRET HYGIENE FAILURE: ${secrets.length} of ${recorded.length} records leak: ${list(secrets)}\n`);
    }
    if (internal.length > 0) {
        process.stderr.write(
            `CALLER ANSWER HYGIENE FAILURE: ${internal.length} of ${callerErrors.length} error answers name an internal identifier: ${list(internal)}\n`,
        );
    }
    process.exitCode = 1;
});
