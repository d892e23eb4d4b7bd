import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestError } from '../../src/errors/errorClasses.js';
import { PageTokenCodec } from '../../src/users/PageTokenCodec.js';

const codec = new PageTokenCodec('secret-value-1', 'client-1');
const content = { pathAndQuery: '/v1.0/users?$top=5&$skiptoken=abc', top: 5, select: ['id', 'mail'] };

describe('page tokens', () => {
    it('round-trips what this app issued', () => {
        assert.deepEqual(codec.decode(codec.encode(content)), content);
    });
    it('round-trips the running total of an all=true continuation token, and keeps page tokens without one', () => {
        const segment = { ...content, segment: { delivered: 1998 } };
        assert.deepEqual(codec.decode(codec.encode(segment)), segment);
        assert.equal(codec.decode(codec.encode(content)).segment, undefined);
    });
    it('refuses a running total that is not a non-negative whole number', () => {
        for (const delivered of [-1, 1.5, Number.MAX_SAFE_INTEGER + 2]) {
            assert.throws(() => codec.decode(codec.encode({ ...content, segment: { delivered } })), BadRequestError, String(delivered));
        }
    });
    it('rejects a token with any character changed', () => {
        const token = codec.encode(content);
        for (let i = 0; i < token.length; i += 7) {
            const c = token[i] === 'A' ? 'B' : 'A';
            const tampered = token.slice(0, i) + c + token.slice(i + 1);
            if (tampered === token) continue;
            assert.throws(() => codec.decode(tampered), BadRequestError);
        }
    });
    it('rejects tokens signed with another key (other secret or other app)', () => {
        assert.throws(() => new PageTokenCodec('secret-value-2', 'client-1').decode(codec.encode(content)), BadRequestError);
        assert.throws(() => new PageTokenCodec('secret-value-1', 'client-2').decode(codec.encode(content)), BadRequestError);
    });
    it('rejects a foreign URL smuggled in as a token', () => {
        const forged = Buffer.from(JSON.stringify([1, 'https://evil.example/v1.0/users', 5, []])).toString('base64url');
        assert.throws(() => codec.decode(`${forged}.x`), BadRequestError);
        assert.throws(() => codec.decode('https://evil.example/'), BadRequestError);
    });
});
