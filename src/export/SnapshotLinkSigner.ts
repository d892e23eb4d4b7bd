import {
    BlobSASPermissions,
    generateBlobSASQueryParameters,
    SASProtocol,
    type BlobServiceClient,
    type UserDelegationKey,
} from '@azure/storage-blob';
import { SnapshotLinkError } from '../errors/errorClasses.js';
import { toStorageError } from './toStorageError.js';

/** How long a download link works: enough to start a download (Storage checks the SAS when a request starts). */
export const SNAPSHOT_LINK_LIFETIME_MS = 5 * 60_000;
/** The link is valid from a little before now, for clocks behind the storage service's. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** User delegation keys may live 7 days; one per hour is reused while it outlives the links signed with it. */
const DELEGATION_KEY_LIFETIME_MS = 60 * 60_000;

export interface SnapshotLink {
    /** The blob URL with its SAS: a credential, never logged. */
    readonly url: string;
    readonly expiresOn: Date;
}

export interface SnapshotLinkSignerOptions {
    /** The export storage's blob service, reached with the managed identity. */
    readonly service: BlobServiceClient;
    readonly container: string;
    readonly now?: () => number;
}

/**
 * Signs short-lived, read-only user delegation SAS links to one blob each, so callers download
 * snapshots from Storage directly. The key comes from Get User Delegation Key, an operation on the
 * storage account (learn.microsoft.com/rest/api/storageservices/get-user-delegation-key: the
 * identity needs generateUserDelegationKey, e.g. Storage Blob Delegator, at the account or above);
 * the link can never grant more than the identity's own data role on the blob.
 */
export class SnapshotLinkSigner {
    readonly #service: BlobServiceClient;
    readonly #container: string;
    readonly #now: () => number;
    #key: { readonly value: UserDelegationKey; readonly expiresOn: number } | undefined;
    #pending: Promise<UserDelegationKey> | undefined;

    constructor(options: SnapshotLinkSignerOptions) {
        this.#service = options.service;
        this.#container = options.container;
        this.#now = options.now ?? Date.now;
    }

    /** A link that reads exactly `blobName` (over HTTPS only), offered for download as `fileName`. */
    async linkFor(blobName: string, fileName: string): Promise<SnapshotLink> {
        const now = this.#now();
        const expiresOn = new Date(now + SNAPSHOT_LINK_LIFETIME_MS);
        const key = await this.#delegationKey(now);
        const sas = generateBlobSASQueryParameters(
            {
                containerName: this.#container,
                blobName,
                permissions: BlobSASPermissions.parse('r'),
                protocol: SASProtocol.Https,
                startsOn: new Date(now - CLOCK_SKEW_MS),
                expiresOn,
                contentDisposition: `attachment; filename="${fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
            },
            key,
            this.#service.accountName,
        );
        const blob = this.#service.getContainerClient(this.#container).getBlobClient(blobName);
        return { url: `${blob.url}?${sas.toString()}`, expiresOn };
    }

    /** Concurrent callers share one request; a key is replaced before it could expire under a link. */
    async #delegationKey(now: number): Promise<UserDelegationKey> {
        if (this.#key !== undefined && this.#key.expiresOn - now > SNAPSHOT_LINK_LIFETIME_MS + 60_000) return this.#key.value;
        this.#pending ??= this.#requestKey(now).finally(() => {
            this.#pending = undefined;
        });
        return this.#pending;
    }

    async #requestKey(now: number): Promise<UserDelegationKey> {
        const expiresOn = now + DELEGATION_KEY_LIFETIME_MS;
        try {
            const value = await this.#service.getUserDelegationKey(new Date(now - CLOCK_SKEW_MS), new Date(expiresOn));
            this.#key = { value, expiresOn };
            return value;
        } catch (error) {
            const status = (error as { statusCode?: unknown }).statusCode;
            throw toStorageError(
                error,
                'get a user delegation key',
                this.#service.url,
                (message, options) =>
                    new SnapshotLinkError(message, {
                        ...options,
                        hint:
                            status === 401 || status === 403
                                ? "Grant the function app's managed identity Storage Blob Delegator on the storage account (user delegation keys are an account-level operation); the Bicep does. Role assignments take a few minutes to apply."
                                : (options.hint ?? 'Check that the export storage endpoint is reachable; callers are told to retry.'),
                    }),
            );
        }
    }
}
