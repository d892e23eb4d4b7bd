import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeBackoff } from '../../src/retry/computeBackoff.js';
import { PROPAGATION_RETRY } from '../../src/token/GraphTokenProvider.js';

describe('AADSTS70021 retries before the first token (a new federated credential propagating)', () => {
    it('are bounded: at most 6 attempts and 30 s of waiting in all, with backoff between them', () => {
        assert.equal(PROPAGATION_RETRY.attempts, 6);
        // Full jitter: the longest wait is the ceiling, when the random draw is (just under) 1.
        const ceilings = Array.from({ length: PROPAGATION_RETRY.attempts - 1 }, (_, i) =>
            computeBackoff(i + 1, PROPAGATION_RETRY, () => 0.999_999),
        );
        assert.ok(
            ceilings.every((d, i) => i === 0 || d >= (ceilings[i - 1] ?? 0)),
            `non-decreasing: ${ceilings.join(', ')}`,
        );
        const total = ceilings.reduce((a, b) => a + b, 0);
        assert.ok(total <= 30_000 && total >= 20_000, `total ${total} ms`);
    });
});
