import { hygiene } from '../hygieneGuard.js';
import type { RpcLogCategory, RpcLogLevel } from './CoreApi.js';

/** One RpcLog the worker would send to the host. */
export interface WorkerLogRecord {
    /** Set for logs made through an invocation's context (the worker's `CoreInvocationContext.log`). */
    readonly invocationId?: string;
    /** The worker's category: `<function name>.Invocation` for invocation logs. */
    readonly category?: string;
    readonly level: RpcLogLevel;
    /** `user` for `context.log`/`context.warn`..., `system` for the library's own logs. */
    readonly logCategory: RpcLogCategory;
    readonly message: string;
}

// The library's warning for a log through a context whose invocation already returned
// (@azure/functions src/InvocationModel.ts, #userLog).
const LATE_LOG = "Unexpected call to 'log' on the context object after function execution has completed";

/**
 * Every log the app emits through the core API, in order. Messages also go to the suite's
 * secret-hygiene guard, like any other text that leaves the code under test.
 */
export class WorkerLogs {
    readonly #records: WorkerLogRecord[] = [];
    readonly #listeners: ((record: WorkerLogRecord) => void)[] = [];

    get records(): readonly WorkerLogRecord[] {
        return this.#records;
    }

    add(record: WorkerLogRecord): void {
        this.#records.push(record);
        hygiene.recordText(record.message);
        for (const listener of this.#listeners) listener(record);
    }

    /** Calls `listener` with every later record. */
    onRecord(listener: (record: WorkerLogRecord) => void): void {
        this.#listeners.push(listener);
    }

    forInvocation(invocationId: string): WorkerLogRecord[] {
        return this.#records.filter((r) => r.invocationId === invocationId);
    }

    /** The user messages of one invocation (what `context.log`, `context.warn`... wrote). */
    userMessages(invocationId: string): string[] {
        return this.forInvocation(invocationId)
            .filter((r) => r.logCategory === 'user')
            .map((r) => r.message);
    }

    /** "Unexpected call to 'log' ... after function execution has completed" warnings, all invocations. */
    lateLogWarnings(): WorkerLogRecord[] {
        return this.#records.filter((r) => r.logCategory === 'system' && r.message.includes(LATE_LOG));
    }
}
