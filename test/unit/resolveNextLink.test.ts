import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/errors/AppError.js';
import { resolveNextLink } from '../../src/graph/resolveNextLink.js';

const endpoint = 'https://graph.microsoft.com';

function codeOf(fn: () => unknown): string {
    try {
        fn();
    } catch (error) {
        assert.ok(error instanceof AppError);
        return error.code;
    }
    return 'none';
}

describe('nextLink origin check', () => {
    it('returns a same-origin nextLink exactly as given', () => {
        const link = 'https://graph.microsoft.com/v1.0/users?$top=5&$skiptoken=RFNwdAIAAQAAAD8xMjM%3d';
        assert.equal(resolveNextLink(link, endpoint), link);
    });
    for (const link of [
        'https://graph.microsoft.com.evil.example/v1.0/users',
        'https://evil.example/v1.0/users?$skiptoken=x',
        'http://graph.microsoft.com/v1.0/users',
        'https://graph.microsoft.com:444/v1.0/users',
        'https://user@evil.example/v1.0/users',
    ]) {
        it(`refuses ${link}`, () => {
            assert.equal(
                codeOf(() => resolveNextLink(link, endpoint)),
                'GraphForeignNextLink',
            );
        });
    }
    it('treats relative or non-string links as malformed', () => {
        assert.equal(
            codeOf(() => resolveNextLink('/v1.0/users?$skiptoken=x', endpoint)),
            'GraphMalformedResponse',
        );
        assert.equal(
            codeOf(() => resolveNextLink(42, endpoint)),
            'GraphMalformedResponse',
        );
    });
});
