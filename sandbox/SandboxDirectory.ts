import { USER_PROPERTIES, sandboxUserRecord, type SandboxUserRecord, type UserProperty } from './SandboxUser.js';

/** `softDeleted`: in the recycle bin, restorable (delta says `@removed: changed`); `hardDeleted`: gone (`deleted`). */
export type UserStatus = 'active' | 'softDeleted' | 'hardDeleted';

/** A change to one user: what `/users/delta` reports. `all`: created, deleted or restored, which every select sees. */
interface ChangeEvent {
    readonly index: number;
    readonly properties: readonly UserProperty[] | 'all';
}

interface Overlay {
    record: SandboxUserRecord;
    status: UserStatus;
    version: number;
    /** Properties given a value by a creation or update patch (null included): delta sends these even when null. */
    readonly set: Set<UserProperty>;
}

const JOB_TITLES = ['Principal Engineer', 'Team Lead', 'Analyst', 'Architect', 'Program Manager'];
const DEPARTMENTS = ['Operations', 'Platform', 'Security', 'Customer Success'];

/**
 * The sandbox's directory: users 0..userCount-1 are a pure function of (seed, index), computed on
 * demand, so millions cost nothing; changes live in an overlay keyed by index, and every change is
 * an event in a log that `/users/delta` reads (sequence numbers are 1-based positions in it).
 * Created users take the next index, so their ids are as unique and deterministic as the rest.
 */
export class SandboxDirectory {
    readonly #seed: number;
    #size: number;
    #inactive = 0;
    readonly #overlay = new Map<number, Overlay>();
    readonly #events: ChangeEvent[] = [];

    constructor(seed: number, userCount: number) {
        this.#seed = seed;
        this.#size = userCount;
    }

    /** Index slots ever used (users created so far included, deleted ones too). */
    get size(): number {
        return this.#size;
    }

    /** Users `/users` lists now. */
    get activeCount(): number {
        return this.#size - this.#inactive;
    }

    /** The number of changes made so far: a delta token remembers it. */
    get sequence(): number {
        return this.#events.length;
    }

    status(index: number): UserStatus | undefined {
        if (!Number.isSafeInteger(index) || index < 0 || index >= this.#size) return undefined;
        return this.#overlay.get(index)?.status ?? 'active';
    }

    /** The user at `index` as it is now, whatever its status; undefined outside the directory. */
    record(index: number): SandboxUserRecord | undefined {
        if (this.status(index) === undefined) return undefined;
        return this.#overlay.get(index)?.record ?? sandboxUserRecord(this.#seed, index);
    }

    /** Like record(), for an index known to be in the directory. */
    recordAt(index: number): SandboxUserRecord {
        const record = this.record(index);
        if (record === undefined) throw new RangeError(`No user at index ${index}`);
        return record;
    }

    idAt(index: number): string | undefined {
        return this.record(index)?.id;
    }

    /** The first active index at or after `from`, or `size` when there is none. */
    nextActive(from: number): number {
        let index = from;
        while (index < this.#size && (this.#overlay.get(index)?.status ?? 'active') !== 'active') index += 1;
        return index;
    }

    /** A new user; returns its index. */
    create(patch: Partial<SandboxUserRecord> = {}): number {
        const index = this.#size;
        this.#size += 1;
        this.#overlay.set(index, {
            record: { ...sandboxUserRecord(this.#seed, index), ...patch, id: this.#baseId(index) },
            status: 'active',
            version: 0,
            set: new Set(Object.keys(patch) as UserProperty[]),
        });
        this.#events.push({ index, properties: 'all' });
        return index;
    }

    /**
     * Changes an active user: `patch`, or by default a new displayName, jobTitle, department and
     * mobilePhone. Only the properties that really changed are tracked: a delta round whose
     * `$select` has none of them does not report the user, as in Graph. False when not active.
     */
    update(index: number, patch?: Partial<Omit<SandboxUserRecord, 'id'>>): boolean {
        if (this.status(index) !== 'active') return false;
        const current = this.#overlayOf(index);
        current.version += 1;
        const v = current.version;
        const base = sandboxUserRecord(this.#seed, index);
        const applied = patch ?? {
            displayName: `${base.displayName} (v${v})`,
            jobTitle: JOB_TITLES[(index + v) % JOB_TITLES.length] ?? null,
            department: DEPARTMENTS[(index + v) % DEPARTMENTS.length] ?? null,
            mobilePhone: `+1 206 555 ${String((index * 7 + v) % 10_000).padStart(4, '0')}`,
        };
        const next: SandboxUserRecord = { ...current.record, ...applied };
        const changed = USER_PROPERTIES.filter((p) => JSON.stringify(next[p]) !== JSON.stringify(current.record[p]));
        current.record = next;
        for (const p of Object.keys(applied) as UserProperty[]) current.set.add(p);
        if (changed.length > 0) this.#events.push({ index, properties: changed });
        return true;
    }

    /** Moves an active user to the recycle bin. */
    softDelete(index: number): boolean {
        return this.#setStatus(index, 'active', 'softDeleted');
    }

    /** Brings a soft-deleted user back, same id; delta reports it like a new user. */
    restore(index: number): boolean {
        return this.#setStatus(index, 'softDeleted', 'active');
    }

    /** Deletes a user for good (from active or from the recycle bin). */
    hardDelete(index: number): boolean {
        const status = this.status(index);
        if (status === 'active') return this.#setStatus(index, 'active', 'hardDeleted');
        return this.#setStatus(index, 'softDeleted', 'hardDeleted');
    }

    /**
     * Whether `property` of the user at `index` was ever given a value (null included) by a
     * creation or update patch. A null that never was set is what Graph's delta leaves out.
     */
    wasSet(index: number, property: UserProperty): boolean {
        return this.#overlay.get(index)?.set.has(property) ?? false;
    }

    /**
     * Indexes of the users changed in events `from`+1..`to` in a way `select` sees, each once, in
     * the order of their first change then.
     */
    changedBetween(from: number, to: number, select: ReadonlySet<UserProperty>): number[] {
        const seen = new Set<number>();
        for (const event of this.#events.slice(Math.max(0, from), to)) {
            if (event.properties === 'all' || event.properties.some((p) => select.has(p))) seen.add(event.index);
        }
        return [...seen];
    }

    #setStatus(index: number, from: UserStatus, to: UserStatus): boolean {
        if (this.status(index) !== from) return false;
        const current = this.#overlayOf(index);
        if (from === 'active') this.#inactive += 1;
        if (to === 'active') this.#inactive -= 1;
        current.status = to;
        this.#events.push({ index, properties: 'all' });
        return true;
    }

    #overlayOf(index: number): Overlay {
        let current = this.#overlay.get(index);
        if (current === undefined) {
            current = { record: sandboxUserRecord(this.#seed, index), status: 'active', version: 0, set: new Set() };
            this.#overlay.set(index, current);
        }
        return current;
    }

    #baseId(index: number): string {
        return sandboxUserRecord(this.#seed, index).id;
    }
}
