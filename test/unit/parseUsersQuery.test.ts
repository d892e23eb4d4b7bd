import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestError } from '../../src/errors/errorClasses.js';
import { defaultUserSelect } from '../../src/users/userProperties.js';
import { parseUsersQuery } from '../../src/users/UsersQuery.js';

const parse = (q: string) => parseUsersQuery(new URLSearchParams(q).entries());

function rejects(q: string, parameter: string): void {
    assert.throws(
        () => parse(q),
        (e: unknown) => e instanceof BadRequestError && e.parameter === parameter && e.status === 400,
        q,
    );
}

describe('users query validation', () => {
    it('defaults: top 100 and the documented select set', () => {
        const q = parse('');
        assert.equal(q.top, 100);
        assert.deepEqual(q.select, defaultUserSelect);
        assert.equal(q.pageToken, undefined);
        assert.equal(q.all, false);
    });
    it('accepts top 1 and 999, canonicalises select and always includes id', () => {
        assert.equal(parse('top=1').top, 1);
        assert.equal(parse('top=999').top, 999);
        assert.deepEqual(parse('select=DISPLAYNAME,mail').select, ['id', 'displayName', 'mail']);
    });
    it('ignores the Functions key parameter "code"', () => {
        assert.equal(parse('code=abc&top=5').top, 5);
    });
    for (const q of ['top=0', 'top=1000', 'top=-1', 'top=abc', 'top=', 'top=5.0', 'top=1e2', 'top=%2B5']) rejects(q, 'top');
    for (const q of ['select=password', 'select=id,,mail', 'select=', 'select=passwordProfile', "select=id'or'1"]) rejects(q, 'select');
    for (const q of ['$top=5', 'filter=x', 'Top=5', '$select=id', 'skiptoken=x']) {
        it(`rejects the unknown parameter in ${q}`, () => {
            assert.throws(() => parse(q), BadRequestError);
        });
    }
    it('rejects repeated parameters', () => {
        rejects('top=5&top=6', 'top');
    });
    it('accepts all=true with a pageToken: the continuation of an all=true walk', () => {
        const q = parse('all=true&pageToken=abc.def');
        assert.equal(q.all, true);
        assert.equal(q.pageToken, 'abc.def');
    });
    it('rejects an empty pageToken and a bad all', () => {
        rejects('pageToken=', 'pageToken');
        rejects('all=yes', 'all');
    });
});
