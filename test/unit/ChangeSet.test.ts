/**
 * The compact change set an incremental run holds must answer exactly as a Map of the last
 * occurrence per id would, across slabs, growth and compaction, and refuse what passes a limit.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ChangeSet } from '../../src/export/ChangeSet.js';

const UNLIMITED = { maxChanges: Number.MAX_SAFE_INTEGER, maxChangeBytes: Number.MAX_SAFE_INTEGER };

interface Held {
    readonly removal: boolean;
    readonly payload: string;
}

type Op =
    | { readonly kind: 'upsert'; readonly id: string; readonly line: string }
    | { readonly kind: 'remove'; readonly id: string; readonly reason: string | null };

/** Few ids, so the same user comes back often; lines of any length, some larger than a slab. */
const op: fc.Arbitrary<Op> = fc.oneof(
    {
        weight: 4,
        arbitrary: fc.record({ kind: fc.constant('upsert' as const), id: fc.string({ maxLength: 6 }), line: fc.string({ maxLength: 90 }) }),
    },
    {
        weight: 1,
        arbitrary: fc.record({
            kind: fc.constant('remove' as const),
            id: fc.string({ maxLength: 6 }),
            reason: fc.constantFrom('changed', 'deleted', null, 'ünusual "reason"'),
        }),
    },
);

function assertSame(set: ChangeSet, model: Map<string, Held>): void {
    assert.equal(set.size, model.size);
    const ids = [...model.keys()];
    for (let entry = 0; entry < set.size; entry += 1) {
        // Entries are numbered in the order of each id's first occurrence, as Map keeps its keys.
        const id = set.id(entry);
        assert.equal(id, ids[entry]);
        assert.equal(set.findId(id), entry);
        const held = model.get(id);
        assert.deepEqual({ removal: set.isRemoval(entry), payload: set.payload(entry).toString('utf8') }, held);
    }
    const bytes = [...model.values()].reduce((sum, h) => sum + Buffer.byteLength(h.payload), 0);
    assert.equal(set.bytes, bytes);
}

describe('ChangeSet', () => {
    it('holds the last occurrence of each id, like a Map, across slabs, growth and compaction (property)', () => {
        fc.assert(
            fc.property(fc.array(op, { maxLength: 400 }), fc.integer({ min: 16, max: 256 }), (ops, slabBytes) => {
                const set = new ChangeSet({ limits: UNLIMITED, slabBytes });
                const model = new Map<string, Held>();
                let duplicates = 0;
                for (const o of ops) {
                    const payload = o.kind === 'upsert' ? o.line : JSON.stringify(o.reason);
                    if (model.has(o.id)) duplicates += 1;
                    const held = o.kind === 'upsert' ? set.upsert(o.id, Buffer.from(o.line)) : set.remove(o.id, o.reason);
                    assert.ok(held);
                    model.set(o.id, { removal: o.kind === 'remove', payload });
                }
                assertSame(set, model);
                assert.equal(set.duplicates, duplicates);
                assert.equal(set.find(Buffer.from('not an id at all'), 0, 16), -1);
            }),
            { numRuns: 300 },
        );
    });

    it('finds an id by its bytes inside a larger buffer, without a string', () => {
        const set = new ChangeSet({ limits: UNLIMITED });
        set.upsert('b7e6dc6d-f1e8-4753-8033-0f276bb0955b', Buffer.from('{"id":"b7e6dc6d-f1e8-4753-8033-0f276bb0955b"}'));
        const line = Buffer.from('{"id":"b7e6dc6d-f1e8-4753-8033-0f276bb0955b","x":1}');
        assert.equal(set.find(line, 7, 43), 0);
        assert.equal(set.find(line, 7, 42), -1);
    });

    it('keeps what it holds to the live changes plus an eighth: superseded occurrences are compacted away', () => {
        const slabBytes = 4096;
        const set = new ChangeSet({ limits: UNLIMITED, slabBytes });
        const ids = Array.from({ length: 500 }, () => randomUUID());
        let most = 0;
        for (let round = 0; round < 20; round += 1) {
            // Every user again with other bytes each round: 10,000 occurrences of 500 users.
            for (const id of ids) set.upsert(id, Buffer.from(`{"id":"${id}","round":${round}}`));
            most = Math.max(most, set.heldBytes);
        }
        const live = ids.reduce((sum, id) => sum + 36 + Buffer.byteLength(`{"id":"${id}","round":19}`), 0);
        assert.ok(most <= live + Math.max(slabBytes, live / 8) + 80, `held ${most} bytes for ${live} live`);
        assert.equal(set.size, 500);
        assert.equal(set.duplicates, 500 * 19);
        for (const id of ids) assert.equal(set.payload(set.findId(id)).toString(), `{"id":"${id}","round":19}`);
    });

    it('a replay of the bytes it holds stores nothing', () => {
        const set = new ChangeSet({ limits: UNLIMITED });
        const id = randomUUID();
        set.upsert(id, Buffer.from('{"a":1}'));
        const held = set.heldBytes;
        for (let i = 0; i < 100; i += 1) assert.ok(set.upsert(id, Buffer.from('{"a":1}')));
        assert.equal(set.heldBytes, held);
        assert.equal(set.duplicates, 100);
    });

    it('refuses a change past either limit and keeps what it held; a replacement counts its new size only', () => {
        const counted = new ChangeSet({ limits: { maxChanges: 2, maxChangeBytes: 1000 } });
        assert.ok(counted.upsert('a', Buffer.from('{}')));
        assert.ok(counted.remove('b', 'deleted'));
        assert.equal(counted.upsert('c', Buffer.from('{}')), false, 'a third user');
        assert.ok(counted.upsert('a', Buffer.from('{"x":1}')), 'a user already held is not a new one');
        assert.equal(counted.size, 2);
        assert.equal(counted.findId('c'), -1);

        const sized = new ChangeSet({ limits: { maxChanges: 100, maxChangeBytes: 10 } });
        assert.ok(sized.upsert('a', Buffer.from('12345678')));
        assert.equal(sized.upsert('b', Buffer.from('123')), false, '11 bytes');
        assert.ok(sized.upsert('a', Buffer.from('1234567890')), 'replacing 8 bytes with 10');
        assert.equal(sized.upsert('a', Buffer.from('12345678901')), false);
        assert.equal(sized.payload(sized.findId('a')).toString(), '1234567890');
        assert.equal(sized.remove('b', null), false, '"null" would make 14 bytes');
        assert.equal(sized.bytes, 10);
    });
});
