import { PageTokenKeysError } from '../errors/errorClasses.js';
import { parseJsonObject } from '../json/parseJsonObject.js';

/** One key of the ring. `material` is 32 random bytes (AES-256); it never leaves the process but in the ring blob. */
export interface RingKey {
    readonly id: string;
    readonly createdAt: Date;
    readonly material: Buffer;
}

export const KEY_RING_SCHEMA_VERSION = 1;
export const KEY_BYTES = 32;
/** Key ids travel in every page token: short, URL-safe, no separator. */
export const KEY_ID = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * The stored form: `{"schemaVersion":1,"keys":[{"id","createdAt","key"}]}`, `key` in base64,
 * oldest key first.
 */
export function serializeKeyRing(keys: readonly RingKey[]): string {
    const stored = keys.map((k) => ({ id: k.id, createdAt: k.createdAt.toISOString(), key: k.material.toString('base64') }));
    return `${JSON.stringify({ schemaVersion: KEY_RING_SCHEMA_VERSION, keys: stored }, null, 2)}\n`;
}

/** Parses and checks a stored ring; the keys come back oldest first. Throws PageTokenKeysError naming the problem. */
export function parseKeyRing(text: string, location: string): RingKey[] {
    const invalid = (problem: string): PageTokenKeysError =>
        new PageTokenKeysError(`The page-token key ring (${location}) is not valid: ${problem}.`, {
            hint: 'Delete the key ring blob; the app creates a new one on next use (page tokens issued until then become invalid and clients restart from the first page).',
        });
    const parsed = parseJsonObject(text);
    if (parsed === undefined) throw invalid('it is not a JSON object');
    const { schemaVersion, keys } = parsed;
    if (typeof schemaVersion === 'number' && schemaVersion > KEY_RING_SCHEMA_VERSION) {
        throw new PageTokenKeysError(
            `The page-token key ring (${location}) has schemaVersion ${schemaVersion}, written by a newer version of this app.`,
            { hint: 'Deploy the same app version to every instance; do not run older versions against this storage.' },
        );
    }
    if (schemaVersion !== KEY_RING_SCHEMA_VERSION) throw invalid(`schemaVersion must be ${KEY_RING_SCHEMA_VERSION}`);
    if (!Array.isArray(keys) || keys.length === 0) throw invalid('"keys" must be a non-empty array');
    const ring = keys.map((entry: unknown, index): RingKey => {
        const { id, createdAt, key } = (entry ?? {}) as { id?: unknown; createdAt?: unknown; key?: unknown };
        if (typeof id !== 'string' || !KEY_ID.test(id)) throw invalid(`keys[${index}].id must be 8-64 URL-safe characters`);
        const created = typeof createdAt === 'string' ? new Date(createdAt) : undefined;
        if (created === undefined || Number.isNaN(created.getTime())) throw invalid(`keys[${index}].createdAt must be an ISO date`);
        const material = typeof key === 'string' ? Buffer.from(key, 'base64') : undefined;
        // Canonical base64 only, so one stored text has one meaning.
        if (material?.length !== KEY_BYTES || material.toString('base64') !== key) {
            throw invalid(`keys[${index}].key must be ${KEY_BYTES} bytes in base64`);
        }
        return { id, createdAt: created, material };
    });
    if (new Set(ring.map((k) => k.id)).size !== ring.length) throw invalid('key ids must be unique');
    return ring.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}
