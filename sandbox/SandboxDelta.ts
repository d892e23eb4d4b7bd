/** The three ways Graph says a delta token can no longer be used (delta-query-overview, "Synchronization reset"). */
export type DeltaExpiryAnswer = 'syncStateNotFound' | 'gone' | 'resyncRequired';

/** Switches and bookkeeping of the `/users/delta` stand-in. */
export class SandboxDelta {
    /** Users per delta page; Graph ignores `$top` here and has been seen to send about 200. */
    readonly pageSize: number;
    /** Send users more than once, within and across rounds, in shuffled order, as Graph may. */
    replays = true;
    /** Tokens carry the epoch they were issued in; expire() starts a new one. */
    epoch = 0;
    readonly #expired = new Map<number, DeltaExpiryAnswer>();
    readonly #deltaTokens: string[] = [];

    constructor(pageSize: number) {
        if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`deltaPageSize must be a positive integer: ${pageSize}`);
        this.pageSize = pageSize;
    }

    /** Every delta and skip token issued so far now gets `answer`. */
    expire(answer: DeltaExpiryAnswer): void {
        this.#expired.set(this.epoch, answer);
        this.epoch += 1;
    }

    /** How a token of `epoch` is answered: undefined while it is valid. */
    expiredAnswer(epoch: number): DeltaExpiryAnswer | undefined {
        if (epoch >= this.epoch) return undefined;
        for (let e = epoch; e < this.epoch; e += 1) {
            const answer = this.#expired.get(e);
            if (answer !== undefined) return answer;
        }
        return 'syncStateNotFound';
    }

    recordDeltaToken(token: string): void {
        this.#deltaTokens.push(token);
    }

    /** Every `$deltatoken` handed out (the secret part of a deltaLink), for the tests' secret-hygiene guard. */
    deltaTokens(): readonly string[] {
        return this.#deltaTokens;
    }
}
