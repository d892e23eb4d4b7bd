import { gunzipSync } from 'node:zlib';
import type { GraphClient } from '../../src/graph/GraphClient.js';

/** A user line as a record, keyed by id; the comparison is of records, not of bytes or order. */
export type UserRecords = Map<string, Record<string, unknown>>;

/** The records of an NDJSON snapshot (gunzipped first when `gzip`); throws on a repeated id. */
export function snapshotRecords(stored: Buffer, gzip: boolean): UserRecords {
    const text = (gzip ? gunzipSync(stored) : stored).toString('utf8');
    const records: UserRecords = new Map();
    if (text === '') return records;
    if (!text.endsWith('\n')) throw new Error('A snapshot must end with a newline.');
    for (const line of text.slice(0, -1).split('\n')) {
        const record = JSON.parse(line) as Record<string, unknown>;
        const id = record.id;
        if (typeof id !== 'string') throw new Error(`A line without an id: ${line.slice(0, 80)}`);
        if (records.has(id)) throw new Error(`Id ${id} appears twice in the snapshot.`);
        records.set(id, record);
    }
    return records;
}

/** A fresh full read of `/users` with `select`, through the app's own Graph client (parsed pages). */
export async function freshFullRead(graph: GraphClient, select: readonly string[]): Promise<UserRecords> {
    const records: UserRecords = new Map();
    for await (const page of graph.listUserPages({ top: 999, select })) {
        for (const user of page.users) records.set(user.id, { ...user });
    }
    return records;
}

/** Sorted [id, record] pairs, for deepEqual with a readable diff. */
export function sortedRecords(records: UserRecords): [string, Record<string, unknown>][] {
    return [...records.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
