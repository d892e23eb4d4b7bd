/**
 * What an incremental run holds in memory: the changes of one delta round. Past either bound the
 * round stops and the run reads the whole directory instead (`tooManyChanges`), which at that
 * size costs Graph about as many requests (a delta page holds ~200 users, a `/users` page 999).
 * The ChangeSet keeps them in byte slabs, so the memory is the JSON itself plus about 40 bytes
 * per user (README "Memory"; test/export/deltaMemory.test.ts measures a run at both bounds).
 */
export interface ChangeLimits {
    /** Distinct users changed. */
    readonly maxChanges: number;
    /** Bytes of their JSON: the users' lines, and the reason of each removal. */
    readonly maxChangeBytes: number;
}

export const defaultChangeLimits: ChangeLimits = { maxChanges: 100_000, maxChangeBytes: 64 * 1024 * 1024 };
