/**
 * Users cut out of a page's bytes (the export's fast path) must be the users JSON.parse reads,
 * and the line written for each must be, as a record, exactly the one the parse-and-stringify path
 * wrote: the selected properties, a missing one as null. Checked with fast-check over random pages.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { userLineBytes } from '../../src/export/userLineBytes.js';
import { scanUsersPage } from '../../src/graph/scanUsersPage.js';
import { SelectedProperties } from '../../src/graph/SelectedProperties.js';
import { JsonSyntaxError } from '../../src/json/scanJson.js';
import { anyJson, jsonStyle, serialize } from '../support/jsonArbitraries.js';

const SELECT = ['id', 'displayName', 'mail', 'accountEnabled', 'businessPhones'];
const select = new SelectedProperties(SELECT);

/** A user as Graph might send it: usually the selected properties, sometimes one missing or an extra one. */
const user = fc
    .record({
        id: fc.oneof(
            fc.uuid().map((u) => u.toLowerCase()),
            fc.string({ maxLength: 6 }),
        ),
        values: fc.array(anyJson, { minLength: SELECT.length, maxLength: SELECT.length }),
        drop: fc.option(fc.constantFrom(...SELECT.slice(1)), { freq: 4 }),
        extra: fc.option(fc.constantFrom('@odata.type', 'city', 'Id'), { freq: 4 }),
        order: fc.boolean(),
    })
    .map(({ id, values, drop, extra, order }) => {
        const entries: [string, unknown][] = SELECT.map((name, i) => [name, name === 'id' ? id : values[i]]);
        if (order) entries.reverse();
        const record = Object.fromEntries(entries.filter(([name]) => name !== drop)) as Record<string, unknown>;
        if (extra !== null) record[extra] = '#microsoft.graph.user';
        return record;
    });

/** What the export wrote before it cut lines from the bytes: parse, take the selected properties, stringify. */
function reserialised(u: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(SELECT.map((name) => [name, Object.hasOwn(u, name) ? u[name] : null]));
}

describe('users cut out of a page without parsing it', () => {
    it('finds every user, its id and the nextLink as JSON.parse reads them; each line equals the re-serialised user (property)', () => {
        fc.assert(
            fc.property(fc.array(user, { maxLength: 8 }), fc.option(fc.webUrl()), jsonStyle, (users, next, style) => {
                const page = {
                    '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users',
                    ...(next === null ? {} : { '@odata.nextLink': next }),
                    value: users,
                };
                const body = Buffer.from(serialize(page, style));
                const scanned = scanUsersPage(body, select);
                assert.equal(scanned.nextLink, next ?? undefined);
                const all = scanned.users ?? [];
                assert.equal(all.length, users.length);
                users.forEach((original, i) => {
                    const found = all[i];
                    assert.ok(found !== undefined);
                    assert.deepEqual(JSON.parse(body.toString('utf8', found.start, found.end)), original);
                    assert.equal(found.id, original.id);
                    const line = userLineBytes(body, found, select);
                    assert.ok(!line.includes(0x0a) && !line.includes(0x0d), 'a line holds no line break');
                    assert.deepEqual(JSON.parse(line.toString('utf8')), reserialised(original));
                    const exact = Object.keys(original).length === SELECT.length && SELECT.every((name) => Object.hasOwn(original, name));
                    if (!exact) assert.equal(found.verbatim, false, 'a user without exactly the selected properties is re-serialised');
                });
            }),
            { numRuns: 1000 },
        );
    });

    it('keeps Graph bytes verbatim when a compact user holds exactly the selected properties', () => {
        const text = '{"value":[{"id":"a","displayName":"Zoë \\u00e9","mail":null,"accountEnabled":true,"businessPhones":["+1 1"]}]}';
        const body = Buffer.from(text);
        const [found] = scanUsersPage(body, select).users ?? [];
        assert.ok(found?.verbatim);
        assert.equal(userLineBytes(body, found, select).toString('utf8'), text.slice(10, -2));
    });

    it('reads duplicate keys, escaped keys and a byte order mark as JSON.parse does', () => {
        const text = '\ufeff{"value":[],"@odata.nextLink":"x","value":[{"\\u0069d":"b","id":"c"}],"@odata.nextLink":null}';
        const scanned = scanUsersPage(Buffer.from(text), select);
        assert.equal(scanned.nextLink, undefined);
        const [user] = scanned.users ?? [];
        assert.equal(user?.id, 'c');
        assert.equal(user.verbatim, false);
    });

    it('marks delta removals with their reason, and refuses what is not JSON', () => {
        const body = Buffer.from('{"@odata.deltaLink":"d","value":[{"id":"x","@removed":{"reason":"changed"}},{"id":"y","@removed":{}}]}');
        const scanned = scanUsersPage(body, select);
        assert.equal(scanned.deltaLink, 'd');
        assert.deepEqual(
            scanned.users?.map((u) => u.removed),
            ['changed', null],
        );
        for (const bad of ['{"value":[{"id":"x"},]}', '{"value":[', '{"value":[]} x', '[]']) {
            assert.throws(() => scanUsersPage(Buffer.from(bad), select), JsonSyntaxError, bad);
        }
    });
});
