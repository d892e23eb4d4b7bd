import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeBackoff } from '../../src/retry/computeBackoff.js';
import { parseRetryAfter } from '../../src/retry/parseRetryAfter.js';

describe('Retry-After parsing', () => {
    const now = Date.parse('2026-11-25T10:00:00Z');
    it('reads delta-seconds', () => {
        assert.equal(parseRetryAfter('0', now), 0);
        assert.equal(parseRetryAfter('7', now), 7000);
        assert.equal(parseRetryAfter(' 2.5 ', now), 2500);
    });
    it('reads an HTTP-date relative to now', () => {
        assert.equal(parseRetryAfter('Wed, 25 Nov 2026 10:00:30 GMT', now), 30_000);
    });
    it('never returns a negative wait for a date in the past', () => {
        assert.equal(parseRetryAfter('Wed, 25 Nov 2026 09:59:00 GMT', now), 0);
    });
    it('returns undefined for absent or junk values so backoff applies', () => {
        for (const value of [undefined, null, '', '-5', 'soon', '1e3', '12abc']) {
            assert.equal(parseRetryAfter(value, now), undefined, String(value));
        }
    });
});

describe('exponential backoff with full jitter', () => {
    const options = { baseDelayMs: 500, maxDelayMs: 30_000 };
    it('stays within [0, min(max, base * 2^attempt))', () => {
        for (let attempt = 0; attempt < 20; attempt += 1) {
            const ceiling = Math.min(30_000, 500 * 2 ** attempt);
            assert.equal(
                computeBackoff(attempt, options, () => 0),
                0,
            );
            const high = computeBackoff(attempt, options, () => 0.999999);
            assert.ok(high < ceiling && high >= ceiling * 0.99, `attempt ${attempt}: ${high}`);
        }
    });
    it('is capped however many attempts', () => {
        assert.ok(computeBackoff(1000, options, () => 0.999999) < 30_000);
    });
});
