import type { ScannedUser } from '../graph/scanUsersPage.js';
import type { SelectedProperties } from '../graph/SelectedProperties.js';

/**
 * The NDJSON line (without "\n") a user is written as. When Graph's JSON holds exactly the
 * selected properties on one line, its own bytes are the line: no parse, no stringify, no
 * re-encoding. Otherwise (another property such as `@odata.type`, a missing or repeated one, a
 * pretty-printed body) the selected properties are re-serialised, a missing one as null, so every
 * line holds exactly the manifest's `select`.
 */
export function userLineBytes(body: Buffer, user: ScannedUser, select: SelectedProperties): Buffer {
    if (user.verbatim) return body.subarray(user.start, user.end);
    const parsed = JSON.parse(body.toString('utf8', user.start, user.end)) as Record<string, unknown>;
    const line: Record<string, unknown> = {};
    for (const name of select.names) line[name] = Object.hasOwn(parsed, name) ? parsed[name] : null;
    return Buffer.from(JSON.stringify(line));
}
