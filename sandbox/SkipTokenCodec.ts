import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const MAC_BYTES = 16;

/** Opaque `$skiptoken`s: an offset plus an HMAC under a per-sandbox key, so tampering is detected. */
export class SkipTokenCodec {
    readonly #key = randomBytes(32);

    encode(offset: number): string {
        const payload = Buffer.alloc(8);
        payload.writeBigUInt64BE(BigInt(offset));
        return Buffer.concat([payload, this.#mac(payload)]).toString('base64url');
    }

    /** The offset, or undefined when the token was not issued by this codec. */
    decode(token: string): number | undefined {
        const raw = Buffer.from(token, 'base64url');
        if (raw.length !== 8 + MAC_BYTES || raw.toString('base64url') !== token) return undefined;
        const payload = raw.subarray(0, 8);
        if (!timingSafeEqual(raw.subarray(8), this.#mac(payload))) return undefined;
        return Number(payload.readBigUInt64BE());
    }

    #mac(payload: Buffer): Buffer {
        return createHmac('sha256', this.#key).update(payload).digest().subarray(0, MAC_BYTES);
    }
}
