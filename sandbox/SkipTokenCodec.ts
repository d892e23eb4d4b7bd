import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const MAC_BYTES = 16;

/**
 * Opaque paging tokens: a payload plus an HMAC under a per-sandbox key, so tampering (and a token
 * from another sandbox) is detected. `$skiptoken`s of `/users` carry an offset; delta tokens a
 * small JSON payload.
 */
export class SkipTokenCodec {
    readonly #key = randomBytes(32);

    encode(offset: number): string {
        const payload = Buffer.alloc(8);
        payload.writeBigUInt64BE(BigInt(offset));
        return this.encodeBytes(payload);
    }

    /** The offset, or undefined when the token was not issued by this codec. */
    decode(token: string): number | undefined {
        const payload = this.decodeBytes(token);
        return payload?.length === 8 ? Number(payload.readBigUInt64BE()) : undefined;
    }

    encodeBytes(payload: Buffer): string {
        return Buffer.concat([payload, this.#mac(payload)]).toString('base64url');
    }

    /** The payload, or undefined when the token was not issued by this codec. */
    decodeBytes(token: string): Buffer | undefined {
        const raw = Buffer.from(token, 'base64url');
        if (raw.length <= MAC_BYTES || raw.toString('base64url') !== token) return undefined;
        const payload = raw.subarray(0, raw.length - MAC_BYTES);
        if (!timingSafeEqual(raw.subarray(raw.length - MAC_BYTES), this.#mac(payload))) return undefined;
        return payload;
    }

    #mac(payload: Buffer): Buffer {
        return createHmac('sha256', this.#key).update(payload).digest().subarray(0, MAC_BYTES);
    }
}
