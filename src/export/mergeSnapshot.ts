import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { pipeline, Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { KeyMatcher } from '../json/KeyMatcher.js';
import { JsonSyntaxError, decodeString, forEachMember, skipValue, skipWhitespace } from '../json/scanJson.js';
import type { Change, ChangeSet } from './ChangeSet.js';
import type { DeltaBase } from './DeltaState.js';
import type { ExportProgress } from './ExportProgress.js';
import { FullReadNeeded } from './FullReadNeeded.js';
import type { IdSet } from './IdSet.js';
import { LineBatch } from './LineBatch.js';
import type { SnapshotSink } from './SnapshotSink.js';

export interface MergeOptions {
    /** The stored bytes of the base snapshot. */
    readonly base: Readable;
    readonly baseInfo: DeltaBase;
    readonly changes: ChangeSet;
    readonly sink: SnapshotSink;
    /** Ids written so far in this run. */
    readonly ids: IdSet;
    readonly onProgress?: (progress: ExportProgress) => void;
}

/** A change that altered the base: what the change file lists. */
export interface NetChange {
    readonly change: Change;
    readonly op: 'added' | 'updated' | 'removed';
}

export interface MergeResult {
    readonly userCount: number;
    readonly added: number;
    readonly updated: number;
    readonly removed: number;
    /** In the order they were applied: updates and removals in base order, then additions. */
    readonly net: readonly NetChange[];
}

const ID_KEY = new KeyMatcher(['id']);
const NEWLINE = 0x0a;

/**
 * Streams the base snapshot through the changes into the sink: an updated user's line is
 * replaced where it stood, a removed one dropped, every other line copied as it is; new users
 * follow at the end. The sha256 and size of the stored base are checked as it streams; a
 * mismatch, undecodable gzip or a line that is not a JSON object with an id means the base cannot
 * be trusted, so the run becomes a full read (FullReadNeeded `baseSnapshotCorrupt`) and whatever
 * was written is discarded by the caller. Memory: one chunk of the base and the ChangeSet.
 */
export async function mergeSnapshot(options: MergeOptions): Promise<MergeResult> {
    const { changes, sink, ids, baseInfo } = options;
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

    const net: NetChange[] = [];
    const result = { userCount: 0, added: 0, updated: 0, removed: 0 };
    const batch = new LineBatch();
    let carry: Buffer = Buffer.alloc(0);
    try {
        for await (const chunk of lines as AsyncIterable<Buffer>) {
            const data = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
            const last = data.lastIndexOf(NEWLINE);
            carry = last < 0 ? data : data.subarray(last + 1);
            if (last < 0) continue;
            // Runs of unchanged lines are copied as one slice.
            let runStart = 0;
            let lineStart = 0;
            while (lineStart <= last) {
                const lineEnd = data.indexOf(NEWLINE, lineStart);
                const id = lineId(data, lineStart, lineEnd);
                const change = changes.get(id);
                const first = ids.add(id);
                const unchanged = first && (change === undefined || sameUser(change.line, data.subarray(lineStart, lineEnd)));
                if (!unchanged) {
                    batch.addLines(data.subarray(runStart, lineStart));
                    runStart = lineEnd + 1;
                    // A repeated id can only come from a base written before exports deduplicated: keep its first line.
                    if (first && change !== undefined) {
                        if (change.line === undefined) {
                            result.removed += 1;
                            net.push({ change, op: 'removed' });
                        } else {
                            batch.add(change.line);
                            result.updated += 1;
                            result.userCount += 1;
                            net.push({ change, op: 'updated' });
                        }
                    }
                } else {
                    result.userCount += 1;
                }
                lineStart = lineEnd + 1;
            }
            batch.addLines(data.subarray(runStart, last + 1));
            await sink.writeLines(batch.take());
            options.onProgress?.({ phase: 'merge', users: result.userCount, pages: 0 });
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
    for (const change of changes.values()) {
        if (change.line === undefined || !ids.add(change.id)) continue;
        batch.add(change.line);
        result.added += 1;
        result.userCount += 1;
        net.push({ change, op: 'added' });
    }
    await sink.writeLines(batch.take());
    options.onProgress?.({ phase: 'merge', users: result.userCount, pages: 0 });
    return { ...result, net };
}

/**
 * Whether an upsert only repeats the line the base holds (a replay). Graph may order a user's
 * properties differently in delta pages than in `/users` pages, so equal bytes are the fast
 * answer and equal records the exact one.
 */
function sameUser(line: Buffer | undefined, stored: Buffer): boolean {
    if (line === undefined) return false;
    return line.equals(stored) || isDeepStrictEqual(JSON.parse(line.toString('utf8')), JSON.parse(stored.toString('utf8')));
}

/** The `id` of the JSON object that is the line `start`..`end`; throws JsonSyntaxError when there is none. */
function lineId(data: Buffer, start: number, end: number): string {
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
