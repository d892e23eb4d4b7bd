import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { findNextLinkHint } from '../../src/graph/findNextLinkHint.js';

const link = 'https://graph.microsoft.com/v1.0/users?$top=999&$select=id,displayName&$skiptoken=RFNwdAIAAQAAAD8xMjM%3d';
const users = [
    { id: '1', displayName: 'Ann' },
    { id: '2', displayName: 'Bob' },
];

describe('nextLink hint from a raw page body', () => {
    it('finds the link Graph writes before "value"', () => {
        const body = JSON.stringify({
            '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users',
            '@odata.nextLink': link,
            value: users,
        });
        assert.equal(findNextLinkHint(body), link);
    });

    it('finds a link written after "value", with spaces and escapes', () => {
        const escaped = 'https://graph.microsoft.com/v1.0/users?$skiptoken=a\\/b\\u0026c';
        const body = `{ "@odata.context" : "x",\n "value": ${JSON.stringify(users)} ,\n "@odata.nextLink" : "${escaped}" }\n`;
        assert.equal(findNextLinkHint(body), 'https://graph.microsoft.com/v1.0/users?$skiptoken=a/b&c');
    });

    it('finds nothing on a last page', () => {
        assert.equal(findNextLinkHint(JSON.stringify({ '@odata.context': 'x', value: users })), undefined);
        assert.equal(findNextLinkHint(''), undefined);
        assert.equal(findNextLinkHint('not json'), undefined);
    });

    it("is not fooled by @odata.nextLink inside a user's string value or nested object", () => {
        const trap = 'https://evil.example/v1.0/users';
        const inString = { '@odata.context': 'x', value: [{ id: '1', displayName: `","@odata.nextLink":"${trap}` }] };
        assert.equal(findNextLinkHint(JSON.stringify(inString)), undefined);
        const lastInString = `{"value":[{"id":"1","displayName":"\\",\\"@odata.nextLink\\":\\"${trap}\\"}"}]}`;
        assert.equal(findNextLinkHint(lastInString), undefined);
        const nested = { '@odata.context': 'x', value: [{ id: '1', extra: { '@odata.nextLink': trap } }] };
        assert.equal(findNextLinkHint(JSON.stringify(nested)), undefined);
        // A nested object that happens to end the body is not the top-level object.
        assert.equal(findNextLinkHint(`{"value":[{"id":"1","@odata.nextLink":"${trap}"}]}`), undefined);
        assert.equal(findNextLinkHint(`{"value":[],"x":{"@odata.nextLink":"${trap}"}}`), undefined);
    });

    it('matches the parsed top-level nextLink whenever it gives one (random pages)', () => {
        const member = fc.oneof(fc.string(), fc.constant('@odata.nextLink'), fc.constant(link), fc.constant('","@odata.nextLink":"'));
        const user = fc.dictionary(fc.oneof(fc.string(), fc.constant('@odata.nextLink')), member);
        fc.assert(
            fc.property(fc.array(user, { maxLength: 5 }), fc.option(fc.webUrl()), fc.boolean(), (value, next, first) => {
                const top: Record<string, unknown> = { '@odata.context': 'c' };
                if (first && next !== null) top['@odata.nextLink'] = next;
                top.value = value;
                if (!first && next !== null) top['@odata.nextLink'] = next;
                const body = JSON.stringify(top);
                const hint = findNextLinkHint(body);
                const parsed = (JSON.parse(body) as Record<string, unknown>)['@odata.nextLink'];
                assert.equal(hint, parsed);
            }),
        );
    });
});
