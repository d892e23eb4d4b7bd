import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { BadRequestError } from '../errors/errorClasses.js';
import { isSkipToken } from '../graph/readSkipToken.js';
import { parseJsonObject } from '../json/parseJsonObject.js';
import { KEY_ID, type RingKey } from '../keyRing/KeyRingDocument.js';
import { MAX_TOP } from './UsersQuery.js';
import { normaliseSelect } from './userProperties.js';

/**
 * What a page token carries: Graph's continuation and the request it continues. Nothing else
 * from Graph, no host and no path: the URL is rebuilt from these values on use. Fields added
 * here (optional ones for other continuations) round-trip unchanged.
 */
export interface PageTokenContent {
    /** The `$skiptoken` of Graph's nextLink. */
    readonly skipToken: string;
    readonly top: number;
    readonly select: readonly string[];
    /** Only in the continuation tokens of `all=true`: how many users the earlier responses of that walk delivered. */
    readonly segment?: { readonly delivered: number };
}

/** The keys page tokens are sealed with: the key ring, shared by every instance. */
export interface PageTokenKeys {
    currentKey(): Promise<RingKey>;
    findKey(id: string): Promise<RingKey | undefined>;
}

export interface PageTokenCodecOptions {
    readonly keys: PageTokenKeys;
    /** How long a token is accepted after it was issued; default PAGE_TOKEN_LIFETIME_MS. */
    readonly lifetimeMs?: number;
    readonly now?: () => number;
}

/** Page tokens are accepted for 15 minutes: long enough to page through at a client's pace, short enough to bound a leaked one. */
export const PAGE_TOKEN_LIFETIME_MS = 15 * 60_000;
/** Tolerated clock difference between instances for a token's expiry. */
const CLOCK_SKEW_MS = 5 * 60_000;
const VERSION = '1';
const SALT_BYTES = 16;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const invalid = (): BadRequestError =>
    new BadRequestError('"pageToken" is invalid or has expired; request the first page again without it.', 'pageToken');

/**
 * Seals page tokens with AES-256-GCM: `1.<keyId>.<base64url(salt | ciphertext | tag)>`, the
 * version and key id as associated data. A client can neither read nor change a token (its
 * continuation, `top`, `select` or expiry) nor move it to another key: every change fails
 * authentication, and every failure is the same 400. Each token has its own key, derived with
 * HKDF from the ring key and a random 128-bit salt, so no (key, nonce) pair repeats however many
 * tokens one ring key seals (random 96-bit nonces under a single key are limited to 2^32 uses).
 */
export class PageTokenCodec {
    readonly #keys: PageTokenKeys;
    readonly #lifetimeMs: number;
    readonly #now: () => number;

    constructor(options: PageTokenCodecOptions) {
        this.#keys = options.keys;
        this.#lifetimeMs = options.lifetimeMs ?? PAGE_TOKEN_LIFETIME_MS;
        this.#now = options.now ?? Date.now;
    }

    async encode(content: PageTokenContent): Promise<string> {
        const key = await this.#keys.currentKey();
        const header = `${VERSION}.${key.id}`;
        const salt = randomBytes(SALT_BYTES);
        const { cipherKey, iv } = deriveTokenKey(key, salt, header);
        const cipher = createCipheriv('aes-256-gcm', cipherKey, iv, { authTagLength: TAG_BYTES });
        cipher.setAAD(Buffer.from(header));
        const plaintext = JSON.stringify({ exp: this.#now() + this.#lifetimeMs, content });
        const sealed = Buffer.concat([salt, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
        return `${header}.${sealed.toString('base64url')}`;
    }

    /** The content of a token this app issued and that has not expired; a BadRequestError (400) otherwise. */
    async decode(token: string): Promise<PageTokenContent> {
        const [version, keyId, body, extra] = token.split('.');
        if (version !== VERSION || keyId === undefined || body === undefined || extra !== undefined) throw invalid();
        if (!KEY_ID.test(keyId) || !BASE64URL.test(body)) throw invalid();
        const sealed = Buffer.from(body, 'base64url');
        // Only the canonical encoding: one token, one spelling.
        if (sealed.length <= SALT_BYTES + TAG_BYTES || sealed.toString('base64url') !== body) throw invalid();
        const key = await this.#keys.findKey(keyId);
        if (key === undefined) throw invalid();

        const header = `${VERSION}.${keyId}`;
        const { cipherKey, iv } = deriveTokenKey(key, sealed.subarray(0, SALT_BYTES), header);
        const decipher = createDecipheriv('aes-256-gcm', cipherKey, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(header));
        decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
        let plaintext: string;
        try {
            plaintext = Buffer.concat([decipher.update(sealed.subarray(SALT_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString(
                'utf8',
            );
        } catch {
            throw invalid();
        }

        const { exp, content } = parseJsonObject(plaintext) ?? {};
        const now = this.#now();
        // Authentic, but issued by an instance whose clock ran far ahead: not trusted for longer than a token lives.
        if (typeof exp !== 'number' || exp > now + this.#lifetimeMs + CLOCK_SKEW_MS) throw invalid();
        if (now >= exp) {
            throw new BadRequestError(
                `"pageToken" has expired (page tokens are valid for ${Math.round(this.#lifetimeMs / 60_000)} minutes); request the first page again without it.`,
                'pageToken',
            );
        }
        // Authentic content is still checked as if a client wrote it: the URL is rebuilt from it.
        if (!isPageTokenContent(content)) throw invalid();
        return content;
    }
}

function deriveTokenKey(key: RingKey, salt: Buffer, header: string): { cipherKey: Buffer; iv: Buffer } {
    const derived = Buffer.from(hkdfSync('sha256', key.material, salt, `graph-users page token ${header}`, 32 + 12));
    return { cipherKey: derived.subarray(0, 32), iv: derived.subarray(32) };
}

/** `top` 1..999, `select` a canonical allowlisted list, `skipToken` bounded printable ASCII, `segment` a running total. */
function isPageTokenContent(value: unknown): value is PageTokenContent {
    if (typeof value !== 'object' || value === null) return false;
    const { skipToken, top, select, segment } = value as { skipToken?: unknown; top?: unknown; select?: unknown; segment?: unknown };
    if (!isSkipToken(skipToken) || typeof top !== 'number' || !Number.isInteger(top) || top < 1 || top > MAX_TOP) return false;
    if (segment !== undefined && !isSegment(segment)) return false;
    if (!Array.isArray(select) || !select.every((s): s is string => typeof s === 'string')) return false;
    const normalised = normaliseSelect(select);
    return 'select' in normalised && normalised.select.length === select.length && normalised.select.every((s, i) => s === select[i]);
}

function isSegment(value: unknown): value is NonNullable<PageTokenContent['segment']> {
    if (typeof value !== 'object' || value === null) return false;
    const { delivered } = value as { delivered?: unknown };
    return typeof delivered === 'number' && Number.isSafeInteger(delivered) && delivered >= 0;
}
