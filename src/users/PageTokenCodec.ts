import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { BadRequestError } from '../errors/errorClasses.js';

/** What a page token carries: Graph's nextLink path and query, and the request it continues. */
export interface PageTokenContent {
    /** Path and query of the nextLink; the origin is always GRAPH_ENDPOINT's. */
    readonly pathAndQuery: string;
    readonly top: number;
    readonly select: readonly string[];
    /** Only in the continuation tokens of `all=true`: how many users the earlier responses of that walk delivered. */
    readonly segment?: { readonly delivered: number };
}

const VERSION = 1;
const invalid = (): BadRequestError =>
    new BadRequestError('"pageToken" is invalid, tampered with or expired; request the first page again without it.', 'pageToken');

/**
 * Signs continuation tokens so the function never fetches a URL a client wrote: a token is
 * only accepted if this app issued it. The key is derived (HKDF) from the client secret, so all
 * instances agree without another setting; a secret rotation invalidates tokens (clients restart).
 */
export class PageTokenCodec {
    readonly #key: Buffer;

    constructor(secretValue: string, clientId: string) {
        this.#key = Buffer.from(hkdfSync('sha256', secretValue, clientId, 'graph-users/page-token/v1', 32));
    }

    encode(content: PageTokenContent): string {
        const fields = [VERSION, content.pathAndQuery, content.top, content.select];
        if (content.segment !== undefined) fields.push(content.segment.delivered);
        const payload = Buffer.from(JSON.stringify(fields)).toString('base64url');
        return `${payload}.${this.#sign(payload)}`;
    }

    decode(token: string): PageTokenContent {
        const [payload, signature, extra] = token.split('.');
        if (payload === undefined || signature === undefined || extra !== undefined) throw invalid();
        const expected = Buffer.from(this.#sign(payload));
        const given = Buffer.from(signature);
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
        let parsed: unknown;
        try {
            parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
        } catch {
            throw invalid();
        }
        if (!Array.isArray(parsed) || parsed[0] !== VERSION || parsed.length > 5) throw invalid();
        const [, pathAndQuery, top, select, delivered] = parsed as [unknown, unknown, unknown, unknown, unknown];
        if (typeof pathAndQuery !== 'string' || !pathAndQuery.startsWith('/') || pathAndQuery.startsWith('//')) throw invalid();
        if (typeof top !== 'number' || !Array.isArray(select) || !select.every((s) => typeof s === 'string')) throw invalid();
        if (delivered === undefined) return { pathAndQuery, top, select: select };
        if (!Number.isSafeInteger(delivered) || (delivered as number) < 0) throw invalid();
        return { pathAndQuery, top, select: select, segment: { delivered: delivered as number } };
    }

    #sign(payload: string): string {
        return createHmac('sha256', this.#key).update(payload).digest('base64url');
    }
}
