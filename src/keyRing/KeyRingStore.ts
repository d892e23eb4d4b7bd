/** The key ring as stored, with the version that guards a conditional replace. */
export interface StoredKeyRing {
    readonly text: string;
    readonly etag: string;
}

/**
 * Where a key ring lives: a blob every instance shares, or this process's memory. Writes are
 * conditional, so instances that race never overwrite each other's keys.
 */
export interface KeyRingStore {
    /** Where the ring lives, for messages; never holds credentials. */
    readonly location: string;
    /** The ring, or undefined when none was created yet. */
    read(): Promise<StoredKeyRing | undefined>;
    /** Writes the ring only if none exists (If-None-Match: *); the new ETag, or undefined when another writer was first. */
    create(text: string): Promise<string | undefined>;
    /** Replaces the ring only if it is still at `etag` (If-Match); the new ETag, or undefined when it moved on. */
    replace(text: string, etag: string): Promise<string | undefined>;
}
