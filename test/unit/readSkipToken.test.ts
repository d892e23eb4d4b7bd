import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AppError } from '../../src/errors/AppError.js';
import { GraphClient } from '../../src/graph/GraphClient.js';
import { readSkipToken } from '../../src/graph/readSkipToken.js';

const endpoint = 'https://graph.microsoft.com';
const graph = new GraphClient({
    graphEndpoint: endpoint,
    tenantId: 'contoso.onmicrosoft.com',
    tokens: { getToken: () => Promise.reject(new Error('usersUrl needs no token')) },
});
const usersUrl = graph.usersUrl();

describe("a nextLink's continuation", () => {
    it("keeps only Graph's $skiptoken, decoded", () => {
        const link = `${endpoint}/v1.0/users?$top=5&$select=id,mail&$skiptoken=RFNwdAIAAQAAAD8xMjM%3d`;
        assert.equal(readSkipToken(link, usersUrl), 'RFNwdAIAAQAAAD8xMjM=');
        assert.equal(readSkipToken(`${endpoint}/v1.0/users?%24skipToken=abc`, usersUrl), 'abc');
    });

    for (const [label, link] of [
        ['another path', `${endpoint}/v1.0/users/delta?$skiptoken=a`],
        ['another version', `${endpoint}/beta/users?$skiptoken=a`],
        ['another resource', `${endpoint}/v1.0/me?$skiptoken=a`],
        ['a dot segment', `${endpoint}/v1.0/users/../groups?$skiptoken=a`],
        ['another host', `https://evil.example/v1.0/users?$skiptoken=a`],
        ['an extra $filter', `${endpoint}/v1.0/users?$filter=x&$skiptoken=a`],
        ['an extra $expand', `${endpoint}/v1.0/users?$skiptoken=a&$expand=manager`],
        ['$skip instead', `${endpoint}/v1.0/users?$skip=100`],
        ['two skiptokens', `${endpoint}/v1.0/users?$skiptoken=a&$skiptoken=b`],
        ['an empty skiptoken', `${endpoint}/v1.0/users?$skiptoken=`],
        ['a control character', `${endpoint}/v1.0/users?$skiptoken=a%0Ab`],
        ['no skiptoken', `${endpoint}/v1.0/users?$top=5`],
    ] as const) {
        it(`refuses ${label}`, () => {
            assert.throws(
                () => readSkipToken(link, usersUrl, 'req-1'),
                (e: unknown) => e instanceof AppError && e.code === 'GraphMalformedResponse' && e.status === 502 && e.requestId === 'req-1',
            );
        });
    }
});

describe('the continuation URL', () => {
    it('is always GRAPH_ENDPOINT/v1.0/users with only $top, $select and $skiptoken, whatever the values (fast-check)', () => {
        fc.assert(
            fc.property(
                fc.oneof(
                    fc.string({ unit: 'grapheme', maxLength: 40 }),
                    fc.string({ unit: 'binary-ascii', maxLength: 80 }),
                    fc.constantFrom('x&$filter=1', '../../me', 'https://evil.example/', '#frag', 'a?b=c', '%26%24expand%3Dmanager'),
                ),
                fc.integer({ min: 1, max: 999 }),
                fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
                (skipToken, top, select) => {
                    const url = new URL(graph.usersUrl({ top, select, skipToken }));
                    assert.equal(url.origin, endpoint);
                    assert.equal(url.pathname, '/v1.0/users');
                    assert.equal(url.hash, '');
                    assert.deepEqual(
                        [...new Set(url.searchParams.keys())].sort(),
                        select.length > 0 ? ['$select', '$skiptoken', '$top'] : ['$skiptoken', '$top'],
                    );
                    assert.equal(url.searchParams.get('$skiptoken'), skipToken);
                },
            ),
            { numRuns: 500 },
        );
    });
});
