import { BadRequestError } from '../errors/errorClasses.js';
import { defaultUserSelect, normaliseSelect } from './userProperties.js';

export interface UsersQuery {
    readonly top: number;
    readonly select: readonly string[];
    /** Set when the caller sent `top`/`select` explicitly (they must match a pageToken's). */
    readonly explicit: { readonly top: boolean; readonly select: boolean };
    readonly pageToken: string | undefined;
    readonly all: boolean;
}

export const DEFAULT_TOP = 100;
export const MAX_TOP = 999;
const MAX_PAGE_TOKEN_LENGTH = 8192;
/** `code` is the Functions key when passed in the query; the host checks it, we ignore it. */
const ALLOWED = new Set(['top', 'select', 'pageToken', 'all', 'code']);

/** For endpoints without parameters: anything but the Functions key is a 400. */
export function assertNoQueryParameters(entries: Iterable<readonly [string, string]>): void {
    for (const [name] of entries) {
        if (name !== 'code') throw new BadRequestError(`Unknown query parameter "${clip(name)}". This endpoint takes none.`, name);
    }
}

/**
 * Validates the query of `GET /api/users`. Everything unexpected is a 400 naming the problem:
 * unknown or repeated parameters, `top` outside 1..999, properties off the allowlist.
 */
export function parseUsersQuery(entries: Iterable<readonly [string, string]>): UsersQuery {
    const seen = new Map<string, string>();
    for (const [name, value] of entries) {
        if (!ALLOWED.has(name)) {
            throw new BadRequestError(`Unknown query parameter "${clip(name)}". Allowed: top, select, pageToken, all.`, name);
        }
        if (seen.has(name)) throw new BadRequestError(`Query parameter "${name}" is given more than once.`, name);
        seen.set(name, value);
    }

    const topText = seen.get('top');
    let top = DEFAULT_TOP;
    if (topText !== undefined) {
        if (!/^\d{1,4}$/.test(topText) || Number(topText) < 1 || Number(topText) > MAX_TOP) {
            throw new BadRequestError(`"top" must be a whole number from 1 to ${MAX_TOP}, got "${clip(topText)}".`, 'top');
        }
        top = Number(topText);
    }

    const selectText = seen.get('select');
    let select: readonly string[] = defaultUserSelect;
    if (selectText !== undefined) {
        const names = selectText.split(',').map((s) => s.trim());
        if (names.some((n) => n === ''))
            throw new BadRequestError('"select" must be a comma list of property names without empty items.', 'select');
        const result = normaliseSelect(names);
        if ('unknown' in result) {
            throw new BadRequestError(
                `"select" has properties that are not allowed: ${result.unknown.map((u) => `"${clip(u)}"`).join(', ')}.`,
                'select',
            );
        }
        select = result.select;
    }

    const pageToken = seen.get('pageToken');
    if (pageToken !== undefined && (pageToken === '' || pageToken.length > MAX_PAGE_TOKEN_LENGTH)) {
        throw new BadRequestError('"pageToken" is malformed.', 'pageToken');
    }

    const allText = seen.get('all');
    if (allText !== undefined && allText !== 'true' && allText !== 'false') {
        throw new BadRequestError(`"all" must be "true" or "false", got "${clip(allText)}".`, 'all');
    }

    return {
        top,
        select,
        explicit: { top: topText !== undefined, select: selectText !== undefined },
        pageToken,
        all: allText === 'true',
    };
}

/** Echo enough of a bad value to recognise it, and nothing that could break a log line. */
function clip(value: string): string {
    const printable = value.replace(/[^\x20-\x7e]/g, '?');
    return printable.length > 64 ? `${printable.slice(0, 64)}…` : printable;
}
