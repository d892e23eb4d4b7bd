import { randomBytes } from 'node:crypto';

export interface SecretVersion {
    readonly version: string;
    readonly value: string;
    /** Epoch seconds. */
    readonly created: number;
    updated: number;
    enabled: boolean;
    readonly contentType: string | undefined;
    readonly tags: Readonly<Record<string, string>>;
    /** Backs a Key Vault certificate (Key Vault sets it; the secret cannot be written directly). */
    readonly managed: boolean;
}

export type SecretLookup =
    { readonly kind: 'found'; readonly secret: SecretVersion } | { readonly kind: 'missing' } | { readonly kind: 'deleted' };

/** Secrets of the one sandbox vault: versions per name, newest last; soft delete keeps the name taken. */
export class VaultStore {
    readonly #secrets = new Map<string, { versions: SecretVersion[]; deleted: boolean }>();

    /** Adds a version (32 hex chars like Key Vault's). Returns undefined when the name is soft-deleted. */
    set(
        name: string,
        value: string,
        contentType?: string,
        tags: Readonly<Record<string, string>> = {},
        managed = false,
    ): SecretVersion | undefined {
        const entry = this.#secrets.get(name) ?? { versions: [], deleted: false };
        if (entry.deleted) return undefined;
        // Key Vault's `created` has one-second resolution; versions written by a real rotation are seconds or days
        // apart, so the stand-in keeps them apart too (tests rotate within a second).
        const now = Math.max(Math.floor(Date.now() / 1000), (entry.versions.at(-1)?.created ?? 0) + 1);
        const secret: SecretVersion = {
            version: randomBytes(16).toString('hex'),
            value,
            created: now,
            updated: now,
            enabled: true,
            contentType,
            tags,
            managed,
        };
        entry.versions.push(secret);
        this.#secrets.set(name, entry);
        return secret;
    }

    get(name: string, version?: string): SecretLookup {
        const entry = this.#secrets.get(name);
        if (entry === undefined) return { kind: 'missing' };
        if (entry.deleted) return { kind: 'deleted' };
        const secret = version === undefined ? entry.versions.at(-1) : entry.versions.find((v) => v.version === version);
        return secret === undefined ? { kind: 'missing' } : { kind: 'found', secret };
    }

    /** Every version of a secret, oldest first (Key Vault lists them in no particular order; callers must not rely on one). */
    versions(name: string): readonly SecretVersion[] | 'missing' | 'deleted' {
        const entry = this.#secrets.get(name);
        if (entry === undefined) return 'missing';
        return entry.deleted ? 'deleted' : entry.versions;
    }

    softDelete(name: string): void {
        const entry = this.#secrets.get(name);
        if (entry !== undefined) entry.deleted = true;
    }

    /** Like recover + purge: the name becomes usable again with no versions. */
    purge(name: string): void {
        this.#secrets.delete(name);
    }

    disableLatest(name: string): void {
        const latest = this.#secrets.get(name)?.versions.at(-1);
        if (latest !== undefined) {
            latest.enabled = false;
            latest.updated = Math.floor(Date.now() / 1000);
        }
    }
}
