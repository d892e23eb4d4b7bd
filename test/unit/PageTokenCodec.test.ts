import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BadRequestError } from '../../src/errors/errorClasses.js';
import { KeyRing } from '../../src/keyRing/KeyRing.js';
import { MemoryKeyRingStore } from '../../src/keyRing/MemoryKeyRingStore.js';
import { PAGE_TOKEN_LIFETIME_MS, PageTokenCodec, type PageTokenContent } from '../../src/users/PageTokenCodec.js';
import { normaliseSelect, selectableUserProperties } from '../../src/users/userProperties.js';

const DAY_MS = 86_400_000;
const INVALID = '"pageToken" is invalid or has expired; request the first page again without it.';

function newRing(now: () => number = Date.now): KeyRing {
    return new KeyRing({ store: new MemoryKeyRingStore(), protectedLifetimeMs: PAGE_TOKEN_LIFETIME_MS, now });
}

/** Rejected as invalid, with the one message that says nothing about which check failed. */
async function rejectsAsInvalid(decoding: Promise<unknown>, label = ''): Promise<void> {
    await assert.rejects(
        decoding,
        (e: unknown) => e instanceof BadRequestError && e.message === INVALID && e.parameter === 'pageToken',
        label,
    );
}

const content: PageTokenContent = { skipToken: 'RFNwdAIAAQAAAD8xMjM=', top: 5, select: ['id', 'mail'] };
const codec = new PageTokenCodec({ keys: newRing() });
const token = await codec.encode(content);

const canonicalSelect = fc.subarray([...selectableUserProperties]).map((names) => (normaliseSelect(names) as { select: string[] }).select);
const contents = fc.record({
    skipToken: fc.string({ minLength: 1, maxLength: 600 }),
    top: fc.integer({ min: 1, max: 999 }),
    select: canonicalSelect,
});
/** Optional fields other code may add to the content (`segment` is checked: see below). */
const extraFields = fc.dictionary(
    fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !['skipToken', 'top', 'select', 'segment', '__proto__'].includes(k)),
    fc.jsonValue({ maxDepth: 2 }),
    { maxKeys: 3 },
);

describe('page tokens: round trip', () => {
    it('decodes what it encoded, optional extra fields included (fast-check)', async () => {
        await fc.assert(
            fc.asyncProperty(contents, extraFields, async (base, extra) => {
                const full = { ...extra, ...base };
                const decoded = await codec.decode(await codec.encode(full));
                // JSON is the wire form: compare with what JSON makes of it (-0 becomes 0).
                assert.deepEqual(decoded, JSON.parse(JSON.stringify(full)));
            }),
            { numRuns: 300 },
        );
    });

    it('round-trips the running total of an all=true continuation token; page tokens have none', async () => {
        const segment = { ...content, segment: { delivered: 1998 } };
        assert.deepEqual(await codec.decode(await codec.encode(segment)), segment);
        assert.equal((await codec.decode(token)).segment, undefined);
    });

    it('refuses a running total that is not a non-negative whole number', async () => {
        for (const delivered of [-1, 1.5, Number.MAX_SAFE_INTEGER + 2]) {
            await rejectsAsInvalid(codec.decode(await codec.encode({ ...content, segment: { delivered } })), String(delivered));
        }
    });

    it('reveals nothing readable: no skiptoken, property name or number in the token', async () => {
        const sealed = await codec.encode({ skipToken: 'visible-skiptoken', top: 777, select: ['id', 'employeeId'] });
        for (const text of [sealed, Buffer.from(sealed.split('.')[2]!, 'base64url').toString('latin1')]) {
            assert.doesNotMatch(text, /visible-skiptoken|employeeId|777/);
        }
        assert.match(sealed, /^1\.[A-Za-z0-9_-]{12}\.[A-Za-z0-9_-]+$/);
    });

    it('never seals two tokens alike, even for the same content', async () => {
        assert.notEqual(await codec.encode(content), await codec.encode(content));
    });
});

describe('page tokens: every change is rejected', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/%~ '.split('');

    it('any single-character change, anywhere (fast-check)', async () => {
        await fc.assert(
            fc.asyncProperty(fc.nat({ max: token.length - 1 }), fc.constantFrom(...alphabet), async (at, c) => {
                fc.pre(token[at] !== c);
                await rejectsAsInvalid(codec.decode(`${token.slice(0, at)}${c}${token.slice(at + 1)}`));
            }),
            { numRuns: 3000 },
        );
    });

    it('any single-byte change of the sealed bytes, re-encoded canonically (fast-check)', async () => {
        const [version, keyId, body] = token.split('.') as [string, string, string];
        const sealed = Buffer.from(body, 'base64url');
        await fc.assert(
            fc.asyncProperty(fc.nat({ max: sealed.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, flip) => {
                const changed = Buffer.from(sealed);
                changed[at]! ^= flip;
                await rejectsAsInvalid(codec.decode(`${version}.${keyId}.${changed.toString('base64url')}`));
            }),
            { numRuns: 2000 },
        );
    });

    it('every truncation, and anything appended', async () => {
        for (let length = 0; length < token.length; length += 1)
            await rejectsAsInvalid(codec.decode(token.slice(0, length)), `length ${length}`);
        for (const suffix of ['A', '=', '.', '.x', '%00', ' ']) await rejectsAsInvalid(codec.decode(`${token}${suffix}`), suffix);
    });

    it('other spellings of the same bytes (re-encodings)', async () => {
        const [version, keyId, body] = token.split('.') as [string, string, string];
        const bytes = Buffer.from(body, 'base64url');
        const respellings = [
            `${version}.${keyId}.${bytes.toString('base64')}`,
            `${version}.${keyId}.${body}==`,
            `${version}.${keyId}.${encodeURIComponent(bytes.toString('base64'))}`,
            `${version}.${keyId}.${bytes.toString('hex')}`,
            `01.${keyId}.${body}`,
            ` ${token}`,
            token.toUpperCase(),
            Buffer.from(token).toString('base64url'),
        ];
        for (const respelled of respellings)
            if (respelled !== token) await rejectsAsInvalid(codec.decode(respelled), respelled.slice(0, 40));
        // The last base64url character may carry unused bits: a different character there decodes to the same bytes.
        const last = body.at(-1)!;
        for (const c of alphabet.slice(0, 64)) {
            if (c !== last) await rejectsAsInvalid(codec.decode(`${version}.${keyId}.${body.slice(0, -1)}${c}`), `last ${c}`);
        }
    });

    it('a key-id swap to another key of the same ring, or a token from another ring', async () => {
        let now = Date.now();
        const ring = newRing(() => now);
        const twoKeys = new PageTokenCodec({ keys: ring, now: () => now });
        const old = await twoKeys.encode(content);
        now += 8 * DAY_MS; // past the rotation period: the next token uses a new key
        const fresh = await twoKeys.encode(content);
        const [, oldId, oldBody] = old.split('.') as [string, string, string];
        const [, newId, newBody] = fresh.split('.') as [string, string, string];
        assert.notEqual(oldId, newId);
        await rejectsAsInvalid(twoKeys.decode(`1.${newId}.${oldBody}`));
        await rejectsAsInvalid(twoKeys.decode(`1.${oldId}.${newBody}`));
        await rejectsAsInvalid(codec.decode(fresh), 'another ring');
        await rejectsAsInvalid(twoKeys.decode(token), 'another ring');
    });

    it('URLs, forged payloads and old HMAC-style tokens', async () => {
        const forged = Buffer.from(
            JSON.stringify({ exp: Date.now() + 60_000, content: { ...content, select: ['passwordProfile'] } }),
        ).toString('base64url');
        for (const value of [
            'https://evil.example/v1.0/users?$skiptoken=x',
            `1.${token.split('.')[1]!}.${forged}`,
            `${Buffer.from(JSON.stringify([1, '/v1.0/users?$skiptoken=x', 5, []])).toString('base64url')}.c2ln`,
            '1..',
            '...',
        ]) {
            await rejectsAsInvalid(codec.decode(value), value);
        }
    });
});

describe('page tokens: expiry', () => {
    it('is accepted until its expiry and refused from that millisecond on', async () => {
        let now = Date.parse('2026-03-01T10:00:00Z');
        const clockCodec = new PageTokenCodec({ keys: newRing(() => now), now: () => now });
        const sealed = await clockCodec.encode(content);
        now += PAGE_TOKEN_LIFETIME_MS - 1;
        assert.deepEqual(await clockCodec.decode(sealed), content);
        now += 1;
        await assert.rejects(
            clockCodec.decode(sealed),
            (e: unknown) => e instanceof BadRequestError && /has expired.*15 minutes/.test(e.message),
        );
    });

    it('refuses a token whose expiry lies beyond one lifetime plus clock skew (an instance clock far ahead)', async () => {
        const base = Date.parse('2026-03-01T10:00:00Z');
        let now = base + 3_600_000;
        const ring = newRing(() => base);
        const clockCodec = new PageTokenCodec({ keys: ring, now: () => now });
        const ahead = await clockCodec.encode(content);
        now = base;
        await rejectsAsInvalid(clockCodec.decode(ahead));
    });
});

describe('page tokens: authentic content is still checked before use', () => {
    // Sealed with the right key, so only the content check stands between them and Graph.
    const bad: readonly [string, Record<string, unknown>][] = [
        ['select widened off the allowlist', { ...content, select: ['id', 'passwordProfile'] }],
        ['select not canonical', { ...content, select: ['ID', 'mail'] }],
        ['select without id', { ...content, select: ['mail'] }],
        ['select with a duplicate', { ...content, select: ['id', 'mail', 'mail'] }],
        ['top 0', { ...content, top: 0 }],
        ['top 1000', { ...content, top: 1000 }],
        ['top 2.5', { ...content, top: 2.5 }],
        ['top as text', { ...content, top: '5' }],
        ['skiptoken with a line break', { ...content, skipToken: 'a\nb' }],
        ['skiptoken too long', { ...content, skipToken: 'x'.repeat(4097) }],
        ['skiptoken empty', { ...content, skipToken: '' }],
        ['no skiptoken', { top: 5, select: ['id'] }],
    ];
    for (const [label, value] of bad) {
        it(`refuses ${label}`, async () => {
            await rejectsAsInvalid(codec.decode(await codec.encode(value as unknown as PageTokenContent)));
        });
    }
});
