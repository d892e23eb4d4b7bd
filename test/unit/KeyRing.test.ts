import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import { AppError } from '../../src/errors/AppError.js';
import { KeyRing, type KeyRingOptions } from '../../src/keyRing/KeyRing.js';
import { parseKeyRing, serializeKeyRing } from '../../src/keyRing/KeyRingDocument.js';
import type { KeyRingStore, StoredKeyRing } from '../../src/keyRing/KeyRingStore.js';
import { MemoryKeyRingStore } from '../../src/keyRing/MemoryKeyRingStore.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const LIFETIME_MS = 15 * MINUTE_MS;

/** A store shared by several "instances" that yields between steps (so calls interleave) and can fail. */
class CountingStore implements KeyRingStore {
    readonly location = 'the test store';
    readonly inner = new MemoryKeyRingStore();
    reads = 0;
    writes = 0;
    failing = false;

    async read(): Promise<StoredKeyRing | undefined> {
        await this.#step();
        this.reads += 1;
        return this.inner.read();
    }
    async create(text: string): Promise<string | undefined> {
        await this.#step();
        this.writes += 1;
        return this.inner.create(text);
    }
    async replace(text: string, etag: string): Promise<string | undefined> {
        await this.#step();
        this.writes += 1;
        return this.inner.replace(text, etag);
    }
    async ids(): Promise<string[]> {
        const stored = await this.inner.read();
        return stored === undefined ? [] : parseKeyRing(stored.text, this.location).map((k) => k.id);
    }
    async #step(): Promise<void> {
        await setImmediate();
        if (this.failing) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    }
}

function clock(start = Date.parse('2026-03-01T00:00:00Z')): { now: () => number; advance(ms: number): void } {
    let now = start;
    return {
        now: () => now,
        advance(ms) {
            now += ms;
        },
    };
}

function ring(store: KeyRingStore, now: () => number, options: Partial<KeyRingOptions> = {}): KeyRing {
    return new KeyRing({ store, now, protectedLifetimeMs: LIFETIME_MS, ...options });
}

describe('key ring: creation and sharing', () => {
    it('concurrent first use by several instances creates exactly one ring, and all mint with its key', async () => {
        const store = new CountingStore();
        const { now } = clock();
        const instances = Array.from({ length: 5 }, () => ring(store, now));
        const keys = await Promise.all(instances.flatMap((r) => [r.currentKey(), r.currentKey()]));
        assert.equal(new Set(keys.map((k) => k.id)).size, 1);
        assert.deepEqual(await store.ids(), [keys[0]!.id]);
        assert.equal(keys[0]!.material.length, 32);
    });

    it('one instance makes one read for 50 concurrent cold calls, and none while the cache is fresh', async () => {
        const store = new CountingStore();
        const c = clock();
        await ring(store, c.now).currentKey(); // another instance created the ring
        store.reads = 0;
        const instance = ring(store, c.now);
        await Promise.all(Array.from({ length: 50 }, () => instance.currentKey()));
        assert.equal(store.reads, 1);
        c.advance(5 * MINUTE_MS - 1);
        await instance.currentKey();
        assert.equal(store.reads, 1);
        c.advance(1);
        await instance.currentKey();
        assert.equal(store.reads, 2, 'read again after the cache TTL');
    });
});

describe('key ring: rotation', () => {
    it('adds a key after the rotation period, keeps the old one for a rotation period plus the lifetime, then drops it', async () => {
        const store = new CountingStore();
        const c = clock();
        const a = ring(store, c.now);
        const b = ring(store, c.now);
        const first = await a.currentKey();
        c.advance(7 * DAY_MS);
        const second = await a.currentKey();
        assert.notEqual(second.id, first.id);
        assert.deepEqual(await store.ids(), [first.id, second.id]);
        // The other instance still has the old ring cached: the new id makes it re-read once.
        assert.equal((await b.findKey(second.id))?.id, second.id);
        assert.equal((await b.findKey(first.id))?.id, first.id, 'old tokens stay valid');

        c.advance(7 * DAY_MS + LIFETIME_MS - 1);
        const third = await a.currentKey();
        assert.deepEqual(await store.ids(), [first.id, second.id, third.id], 'the first key is kept until its successor is old enough');
        c.advance(7 * DAY_MS);
        const fourth = await a.currentKey();
        // The first key's successor is now older than a rotation period plus the lifetime; the second's is not.
        assert.deepEqual(await store.ids(), [second.id, third.id, fourth.id]);
    });

    it('instances rotating at once add exactly one key (the loser re-reads)', async () => {
        const store = new CountingStore();
        const c = clock();
        const instances = Array.from({ length: 4 }, () => ring(store, c.now));
        await Promise.all(instances.map((r) => r.currentKey()));
        c.advance(7 * DAY_MS);
        const keys = await Promise.all(instances.map((r) => r.currentKey()));
        assert.equal(new Set(keys.map((k) => k.id)).size, 1);
        assert.equal((await store.ids()).length, 2);
    });
});

describe('key ring: unknown key ids', () => {
    it('re-read at most once per cool-down', async () => {
        const store = new CountingStore();
        const c = clock();
        const instance = ring(store, c.now);
        await instance.currentKey();
        store.reads = 0;
        // A key another instance added a moment ago is found at once, however recent the last read.
        await Promise.all(Array.from({ length: 20 }, () => instance.findKey('AAAAAAAAAAAA')));
        assert.equal(store.reads, 1);
        c.advance(29_999);
        assert.equal(await instance.findKey('BBBBBBBBBBBB'), undefined);
        assert.equal(store.reads, 1, 'no second re-read within the cool-down');
        c.advance(1);
        assert.equal(await instance.findKey('CCCCCCCCCCCC'), undefined);
        assert.equal(store.reads, 2);
    });
});

describe('key ring: storage failures', () => {
    it('with nothing cached: PageTokenKeysUnavailable (503) that says where the ring lives', async () => {
        const store = new CountingStore();
        store.failing = true;
        await assert.rejects(
            ring(store, clock().now).currentKey(),
            (e: unknown) =>
                e instanceof AppError && e.code === 'PageTokenKeysUnavailable' && e.status === 503 && e.message.includes('the test store'),
        );
    });

    it('with a cached ring: keeps using it with a warning, and retries after the cool-down', async () => {
        const store = new CountingStore();
        const c = clock();
        const warnings: string[] = [];
        const logger = { info: () => undefined, warn: (m: string) => warnings.push(m), error: () => undefined };
        const instance = ring(store, c.now, { logger });
        const key = await instance.currentKey();
        store.failing = true;
        c.advance(6 * MINUTE_MS);
        assert.equal((await instance.currentKey()).id, key.id);
        assert.equal(warnings.length, 1);
        assert.match(warnings[0]!, /PageTokenKeysUnavailable.*Keeping the cached key ring/);
        await instance.currentKey();
        assert.equal(warnings.length, 1, 'no new attempt within the cool-down');
        c.advance(7 * DAY_MS);
        assert.equal((await instance.currentKey()).id, key.id, 'a rotation that cannot be written keeps the current key');
        store.failing = false;
        c.advance(30_000);
        assert.notEqual((await instance.currentKey()).id, key.id, 'rotates once storage is back');
    });

    it('an invalid or newer ring is a 503 whose hint says what to do', async () => {
        const store = new MemoryKeyRingStore();
        for (const [text, hint] of [
            ['not json', /Delete the key ring blob/],
            ['{"schemaVersion":1,"keys":[]}', /Delete the key ring blob/],
            ['{"schemaVersion":1,"keys":[{"id":"short","createdAt":"2026-01-01T00:00:00Z","key":"AAAA"}]}', /Delete/],
            ['{"schemaVersion":2,"keys":[]}', /same app version/],
        ] as const) {
            const stored = await store.read();
            await (stored === undefined ? store.create(text) : store.replace(text, stored.etag));
            await assert.rejects(
                ring(store, clock().now).currentKey(),
                (e: unknown) => e instanceof AppError && e.code === 'PageTokenKeysUnavailable' && hint.test(e.hint ?? ''),
                text,
            );
        }
    });

    it('round-trips its stored form', () => {
        const keys = [{ id: 'abcdefgh1234', createdAt: new Date('2026-01-01T00:00:00Z'), material: Buffer.alloc(32, 7) }];
        assert.deepEqual(parseKeyRing(serializeKeyRing(keys), 'x'), keys);
    });
});
