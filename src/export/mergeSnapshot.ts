import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { pipeline, Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { KeyMatcher } from '../json/KeyMatcher.js';
import { JsonSyntaxError, decodeString, forEachMember, skipValue, skipWhitespace } from '../json/scanJson.js';
import type { ChangeSet } from './ChangeSet.js';
import type { DeltaBase } from './DeltaState.js';
import type { ExportProgress } from './ExportProgress.js';
import { FullReadNeeded } from './FullReadNeeded.js';
import { LineBatch } from './LineBatch.js';
import type { SnapshotSink } from './SnapshotSink.js';

export interface MergeOptions {
    /** The stored bytes of the base snapshot. */
    readonly base: Readable;
    readonly baseInfo: DeltaBase;
    readonly changes: ChangeSet;
    readonly sink: SnapshotSink;
    readonly onProgress?: (progress: ExportProgress) => void;
}

export interface MergeResult {
    readonly userCount: number;
    readonly added: number;
    readonly updated: number;
    readonly removed: number;
    /** The change set's entries that altered the base, in the order applied: updates and removals in base order, then additions. */
    readonly net: Uint32Array;
}

const ID_KEY = new KeyMatcher(['id']);
const NEWLINE = 0x0a;
const NEWLINE_BYTES = Buffer.from([NEWLINE]);

/**
 * Streams the base snapshot through the changes into the sink: an updated user's line is
 * replaced where it stood, a removed one dropped, every other line copied as it is; new users
 * follow at the end. The sha256 and size of the stored base are checked as it streams; a
 * mismatch, undecodable gzip or a line that is not a JSON object with an id means the base cannot
 * be trusted, so the run becomes a full read (FullReadNeeded `baseSnapshotCorrupt`) and whatever
 * was written is discarded by the caller. Memory: one chunk of the base, the ChangeSet, and a
 * byte and a 32-bit number per change.
 *
 * No id set: a base is always a snapshot this version wrote after deduplicating (only it writes
 * delta state), and the sha256 check proves the bytes are those; the changes are unique by id.
 * So each id occurs once in the base, and a change is appended only if no base line matched it.
 */
export async function mergeSnapshot(options: MergeOptions): Promise<MergeResult> {
    const { changes, sink, baseInfo } = options;
    /** 1 for each change whose user a base line had. */
    const matched = new Uint8Array(changes.size);
    const net = new Uint32Array(changes.size);
    let netCount = 0;
    const hash = createHash('sha256');
    let storedBytes = 0;
    const measure = new Transform({
        transform: (chunk: Buffer, _encoding, done) => {
            hash.update(chunk);
            storedBytes += chunk.length;
            done(null, chunk);
        },
    });
    // Errors reach the loop below through the last stream; this callback only has to exist.
    const onPipelineEnd = (): void => undefined;
    const lines: Readable = baseInfo.gzip
        ? pipeline(options.base, measure, createGunzip(), onPipelineEnd)
        : pipeline(options.base, measure, onPipelineEnd);

    const result = { userCount: 0, added: 0, updated: 0, removed: 0 };
    /** Merges the whole lines `from`..`last` (its "\n") of `data` into the sink: unchanged runs as views, no copy. */
    const mergeLines = async (data: Buffer, from: number, last: number): Promise<void> => {
        const parts: Buffer[] = [];
        let runStart = from;
        let lineStart = from;
        while (lineStart <= last) {
            const lineEnd = data.indexOf(NEWLINE, lineStart);
            const entry = changeFor(data, lineStart, lineEnd, changes);
            if (entry >= 0) matched[entry] = 1;
            if (entry < 0 || sameUser(changes, entry, data.subarray(lineStart, lineEnd))) {
                result.userCount += 1;
            } else {
                if (lineStart > runStart) parts.push(data.subarray(runStart, lineStart));
                runStart = lineEnd + 1;
                if (changes.isRemoval(entry)) {
                    result.removed += 1;
                } else {
                    parts.push(changes.payload(entry), NEWLINE_BYTES);
                    result.updated += 1;
                    result.userCount += 1;
                }
                net[netCount++] = entry;
            }
            lineStart = lineEnd + 1;
        }
        if (last + 1 > runStart) parts.push(data.subarray(runStart, last + 1));
        for (const part of parts) await sink.writeLines(part);
        options.onProgress?.({ phase: 'merge', users: result.userCount, pages: 0 });
    };
    let carry: Buffer = Buffer.alloc(0);
    try {
        for await (const chunk of lines as AsyncIterable<Buffer>) {
            let from = 0;
            if (carry.length > 0) {
                // Only the line split across chunks is copied.
                const first = chunk.indexOf(NEWLINE);
                if (first < 0) {
                    carry = Buffer.concat([carry, chunk]);
                    continue;
                }
                const joined = Buffer.concat([carry, chunk.subarray(0, first + 1)]);
                await mergeLines(joined, 0, joined.length - 1);
                from = first + 1;
            }
            const last = chunk.lastIndexOf(NEWLINE);
            if (last >= from) await mergeLines(chunk, from, last);
            carry = chunk.subarray(Math.max(from, last + 1));
        }
    } catch (error) {
        if (error instanceof JsonSyntaxError)
            throw new FullReadNeeded('baseSnapshotCorrupt', `a line is not a JSON object with an id (${error.message})`);
        // zlib's errors carry Z_* codes: bad gzip is a corrupt base, not a storage failure.
        const code = (error as NodeJS.ErrnoException).code;
        if (code?.startsWith('Z_') === true) throw new FullReadNeeded('baseSnapshotCorrupt', `not valid gzip (${code})`);
        throw error;
    } finally {
        options.base.destroy();
    }
    const digest = hash.digest('hex');
    if (carry.length > 0) throw new FullReadNeeded('baseSnapshotCorrupt', 'it does not end with a newline');
    if (digest !== baseInfo.sha256 || storedBytes !== baseInfo.bytes) {
        throw new FullReadNeeded(
            'baseSnapshotCorrupt',
            `sha256 or size differ from the state's (${storedBytes} bytes read, ${baseInfo.bytes} expected)`,
        );
    }
    const batch = new LineBatch();
    for (let entry = 0; entry < changes.size; entry += 1) {
        if (changes.isRemoval(entry) || matched[entry] === 1) continue;
        batch.add(changes.payload(entry));
        result.added += 1;
        result.userCount += 1;
        net[netCount++] = entry;
        if (batch.ready) await sink.writeLines(batch.take());
    }
    await sink.writeLines(batch.take());
    options.onProgress?.({ phase: 'merge', users: result.userCount, pages: 0 });
    return { ...result, net: net.subarray(0, netCount) };
}

/**
 * Whether an upsert only repeats the line the base holds (a replay). Graph may order a user's
 * properties differently in delta pages than in `/users` pages, so equal bytes are the fast
 * answer and equal records the exact one.
 */
function sameUser(changes: ChangeSet, entry: number, stored: Buffer): boolean {
    if (changes.isRemoval(entry)) return false;
    const line = changes.payload(entry);
    return line.equals(stored) || isDeepStrictEqual(JSON.parse(line.toString('utf8')), JSON.parse(stored.toString('utf8')));
}

/**
 * The change set's entry for the line `start`..`end`, or -1. Most lines have none: their id's
 * bytes are looked up as they are, without making a string of them.
 */
function changeFor(data: Buffer, start: number, end: number, changes: ChangeSet): number {
    const span = quickIdSpan(data, start, end);
    if (span !== undefined) return changes.find(data, span[0], span[1]);
    return changes.findId(scannedLineId(data, start, end));
}

const ID_FIRST = Buffer.from('{"id":"');
const ID_LAST = Buffer.from(',"id":"');

/**
 * Where the id of a compact line that starts with `{"id":"…"` or ends with `,"id":"…"}` (an id
 * with no escapes) lies, without scanning the rest: every line of a base is one this app wrote
 * from validated JSON, and the sha256 check proves it unchanged. A `"` cannot occur raw inside a
 * string, and a nested object would end the line with two closing brackets, so either match is
 * the line's own top-level `id`. Undefined when neither shape fits.
 */
function quickIdSpan(data: Buffer, start: number, end: number): [number, number] | undefined {
    if (data.compare(ID_FIRST, 0, ID_FIRST.length, start, start + ID_FIRST.length) === 0) {
        const close = plainStringEnd(data, start + ID_FIRST.length, end);
        if (close >= 0 && (data[close + 1] === 0x2c || data[close + 1] === 0x7d)) return [start + ID_FIRST.length, close];
    }
    if (data[end - 1] === 0x7d && data[end - 2] === 0x22) {
        const open = data.lastIndexOf(ID_LAST, end - 2);
        if (open > start) {
            const valueStart = open + ID_LAST.length;
            if (plainStringEnd(data, valueStart, end) === end - 2) return [valueStart, end - 2];
        }
    }
    return undefined;
}

/** Index of the `"` closing a string whose content starts at `from`, or -1 if it has an escape or does not close before `end`. */
function plainStringEnd(data: Buffer, from: number, end: number): number {
    for (let k = from; k < end; k += 1) {
        const c = data[k];
        if (c === 0x22) return k;
        if (c === 0x5c) return -1;
    }
    return -1;
}

function scannedLineId(data: Buffer, start: number, end: number): string {
    let id: string | undefined;
    const objectEnd = forEachMember(data, skipWhitespace(data, start), (keyStart, keyEnd, valueStart) => {
        const valueEnd = skipValue(data, valueStart);
        if (ID_KEY.indexOf(data, keyStart, keyEnd) === 0 && data[valueStart] === 0x22) id = decodeString(data, valueStart, valueEnd);
        return valueEnd;
    });
    // Not skipWhitespace: it would run on past the line's "\n".
    let after = objectEnd;
    while (after < end && (data[after] === 0x20 || data[after] === 0x09 || data[after] === 0x0d)) after += 1;
    if (after !== end) throw new JsonSyntaxError('a line holds more than one object', objectEnd);
    if (id === undefined) throw new JsonSyntaxError('a line has no string "id"', start);
    return id;
}
