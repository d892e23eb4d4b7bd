/** The compact id set the export deduplicates with must answer exactly as a Set<string> would. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { IdSet } from '../../src/export/IdSet.js';

/** Enough to grow the table many times; the export's memory test and the bench measure 1,000,000. */
const COUNT = 200_000;
const guid = fc.uuid().map((u) => u.toLowerCase());
const id = fc.oneof(
    guid,
    guid.map((g) => g.toUpperCase()),
    fc.constant('00000000-0000-0000-0000-000000000000'),
    fc.string({ maxLength: 40 }),
);

describe('IdSet', () => {
    it('answers add() exactly like a Set<string>, through growth (property)', () => {
        fc.assert(
            fc.property(fc.array(id, { maxLength: 3000 }), fc.nat({ max: 2000 }), (ids, expected) => {
                const compact = new IdSet(expected);
                const reference = new Set<string>();
                for (const value of [...ids, ...ids.slice(0, 50)]) {
                    assert.equal(compact.add(value), !reference.has(value), value);
                    reference.add(value);
                }
                assert.equal(compact.size, reference.size);
            }),
            { numRuns: 200 },
        );
    });

    it('holds GUIDs in 16-32 bytes each (a Set<string> takes about 100)', () => {
        for (const expected of [0, COUNT]) {
            const set = new IdSet(expected);
            for (let i = 0; i < COUNT; i += 1) assert.ok(set.add(randomUUID()));
            assert.equal(set.size, COUNT);
            const bytesPerId = set.tableBytes / set.size;
            console.log(
                `IdSet sized for ${expected}: ${(set.tableBytes / 1048576).toFixed(1)} MiB for ${COUNT} GUIDs (${bytesPerId.toFixed(1)} bytes each)`,
            );
            assert.ok(bytesPerId >= 16 && bytesPerId <= 32, `${bytesPerId} bytes per id`);
        }
    });
});
