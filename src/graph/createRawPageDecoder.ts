import { GraphError } from '../errors/errorClasses.js';
import type { LinkedPage, PageDecoder } from './GraphClient.js';
import { resolveNextLink } from './resolveNextLink.js';
import { scanUsersPage, type ScannedUser } from './scanUsersPage.js';
import type { SelectedProperties } from './SelectedProperties.js';

/** A users page kept as Graph's bytes, with each user located in them (see scanUsersPage). */
export interface RawUsersPage extends LinkedPage {
    readonly body: Buffer;
    /** Every user has a string `id`. */
    readonly users: readonly (ScannedUser & { readonly id: string })[];
    /** Delta rounds only: present on the last page, whose nextLink is then undefined. */
    readonly deltaLink: string | undefined;
    readonly requestId: string | undefined;
}

export interface RawPageDecoderOptions {
    readonly select: SelectedProperties;
    readonly graphEndpoint: string;
    /** `/users/delta`: every page has exactly one of nextLink and deltaLink, and users may be `@removed`. */
    readonly delta: boolean;
}

/** Decodes `/users` or `/users/delta` pages into RawUsersPage, refusing what the export cannot key or follow. */
export function createRawPageDecoder(options: RawPageDecoderOptions): PageDecoder<RawUsersPage> {
    const { select, graphEndpoint, delta } = options;
    return (body, requestId) => {
        const scanned = scanUsersPage(body, select);
        const malformed = (why: string): GraphError =>
            new GraphError('GraphMalformedResponse', `Graph returned a ${delta ? 'users delta' : 'users'} page ${why}.`, {
                ...(requestId === undefined ? {} : { requestId }),
            });
        if (scanned.users === undefined) throw malformed('without a "value" array');
        for (const user of scanned.users) {
            if (user.id === undefined) throw malformed('with an entry that is not a user with a string "id"');
            if (!delta && user.removed !== undefined) throw malformed('with an "@removed" entry, which only delta pages may have');
        }
        const nextLink = scanned.nextLink === undefined ? undefined : resolveNextLink(scanned.nextLink, graphEndpoint);
        const deltaLink =
            !delta || scanned.deltaLink === undefined ? undefined : resolveNextLink(scanned.deltaLink, graphEndpoint, '@odata.deltaLink');
        if (delta && (nextLink === undefined) === (deltaLink === undefined)) {
            throw malformed(
                nextLink === undefined
                    ? 'with neither @odata.nextLink nor @odata.deltaLink'
                    : 'with both @odata.nextLink and @odata.deltaLink',
            );
        }
        return { body, users: scanned.users as RawUsersPage['users'], nextLink, deltaLink, requestId };
    };
}
