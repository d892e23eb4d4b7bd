import type { RawUsersPage } from '../graph/createRawPageDecoder.js';
import type { SelectedProperties } from '../graph/SelectedProperties.js';
import { userLineBytes } from './userLineBytes.js';

const NEWLINE = 0x0a;

/**
 * The NDJSON lines of the page's users that `keep` accepts, as views into the page's own bytes
 * wherever possible. Users Graph wrote back to back (`{…},{…}`) and verbatim form one run: the
 * separator after each is overwritten with a newline in place, so a compact page becomes one view
 * and nothing is copied (a copy per page would be another ~350 KB of garbage outside the V8 heap,
 * which it collects late). Consumes the page: its body is no longer valid JSON afterwards.
 */
export function pageLines(page: RawUsersPage, select: SelectedProperties, keep: (id: string) => boolean): Buffer[] {
    const { body, users } = page;
    const parts: Buffer[] = [];
    let runStart = -1;
    let runEnd = -1;
    const flush = (): void => {
        if (runStart < 0) return;
        // The byte after a user is its separator, `]`, or whitespace: never part of a user.
        body[runEnd] = NEWLINE;
        parts.push(body.subarray(runStart, runEnd + 1));
        runStart = -1;
    };
    for (const user of users) {
        if (!keep(user.id)) {
            flush();
        } else if (!user.verbatim) {
            flush();
            parts.push(Buffer.concat([userLineBytes(body, user, select), NEWLINE_BYTES]));
        } else if (runStart >= 0 && user.start === runEnd + 1) {
            body[runEnd] = NEWLINE;
            runEnd = user.end;
        } else {
            flush();
            runStart = user.start;
            runEnd = user.end;
        }
    }
    flush();
    return parts;
}

const NEWLINE_BYTES = Buffer.from([NEWLINE]);
