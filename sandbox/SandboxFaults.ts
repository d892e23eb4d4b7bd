/** A fault that applies to the next `remaining` requests, then clears itself. */
class CountedFault<T> {
    #remaining = 0;
    #detail: T | undefined;

    arm(count: number, detail: T): void {
        if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
        this.#remaining = count;
        this.#detail = count > 0 ? detail : undefined;
    }

    /** Consumes one occurrence; returns its detail, or undefined when the fault is not armed. */
    take(): T | undefined {
        if (this.#remaining === 0) return undefined;
        this.#remaining--;
        const detail = this.#detail;
        if (this.#remaining === 0) this.#detail = undefined;
        return detail;
    }

    clear(): void {
        this.#remaining = 0;
        this.#detail = undefined;
    }
}

function checkErrorStatus(status: number): void {
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError(`status must be 4xx or 5xx, got ${status}`);
}

function checkLatency(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latencyMs must be >= 0, got ${ms}`);
    return ms;
}

export class GraphFaults {
    #latencyMs = 0;
    #failAfter: { pages: number; count: number; status: number } | undefined;
    readonly throttles = new CountedFault<{ retryAfter: string | undefined }>();
    readonly failures = new CountedFault<number>();
    readonly resets = new CountedFault<true>();
    readonly malformations = new CountedFault<true>();
    readonly foreignNextLinks = new CountedFault<string>();
    readonly #repeatedNextLinks = new CountedFault<true>();
    /** Pages with a nextLink still to be answered normally before the armed repeats start. */
    #repeatAfterPages = 0;
    readonly duplicatedUsers = new CountedFault<true>();

    /** Delay before every Graph response. */
    get latencyMs(): number {
        return this.#latencyMs;
    }
    set latencyMs(ms: number) {
        this.#latencyMs = checkLatency(ms);
    }

    /** The next `count` requests get 429 TooManyRequests, with `Retry-After` when given ('1' or an HTTP-date). */
    throttle(count: number, retryAfter?: string): void {
        this.throttles.arm(count, { retryAfter });
    }

    /** The next `count` requests get a Graph-shaped error with this status (e.g. 503, 504). */
    fail(count: number, status: number): void {
        checkErrorStatus(status);
        this.failures.arm(count, status);
    }

    /**
     * After `pages` more pages are answered with 200, the next `count` requests fail with `status`:
     * a failure in the middle of a paged read (500 is not retried by the app).
     */
    failAfterPages(pages: number, count: number, status: number): void {
        if (!Number.isInteger(pages) || pages < 0) throw new RangeError(`pages must be a non-negative integer, got ${pages}`);
        checkErrorStatus(status);
        this.#failAfter = { pages, count, status };
        if (pages === 0) this.pageServed();
    }

    /** Called by the Graph stand-in for every page it answers with 200; arms a pending failAfterPages. */
    pageServed(): void {
        if (this.#failAfter === undefined) return;
        if (this.#failAfter.pages > 0) this.#failAfter.pages -= 1;
        if (this.#failAfter.pages > 0) return;
        this.failures.arm(this.#failAfter.count, this.#failAfter.status);
        this.#failAfter = undefined;
    }

    /** The next `count` pages are cut off mid-body by destroying the socket. */
    resetConnection(count: number): void {
        this.resets.arm(count, true);
    }

    /** The next `count` pages are 200 responses with truncated, unparsable JSON. */
    malformed(count: number): void {
        this.malformations.arm(count, true);
    }

    /** The next `count` pages carry their `@odata.nextLink` (or deltaLink) on `origin` instead of the Graph stand-in. */
    foreignNextLink(count: number, origin: string): void {
        this.foreignNextLinks.arm(count, new URL(origin).origin);
    }

    /**
     * The next `count` pages with a nextLink point it back at the page itself, so a client that
     * follows blindly loops forever; `afterPages` pages with a nextLink are answered normally first.
     */
    repeatNextLink(count: number, afterPages = 0): void {
        if (!Number.isInteger(afterPages) || afterPages < 0)
            throw new RangeError(`afterPages must be a non-negative integer, got ${afterPages}`);
        this.#repeatedNextLinks.arm(count, true);
        this.#repeatAfterPages = count > 0 ? afterPages : 0;
    }

    /** Called by the Graph stand-in for a page that carries a nextLink: true when that link is to point back at the page. */
    takeRepeatedNextLink(): boolean {
        if (this.#repeatAfterPages > 0) {
            this.#repeatAfterPages -= 1;
            return false;
        }
        return this.#repeatedNextLinks.take() !== undefined;
    }

    /**
     * The next `count` `/users` pages after the first also repeat the last user of the previous
     * page, as Graph's paging may when users are deleted between pages.
     */
    duplicateUsers(count: number): void {
        this.duplicatedUsers.arm(count, true);
    }

    clear(): void {
        this.#latencyMs = 0;
        this.#failAfter = undefined;
        this.#repeatAfterPages = 0;
        for (const f of [
            this.throttles,
            this.failures,
            this.resets,
            this.malformations,
            this.foreignNextLinks,
            this.#repeatedNextLinks,
            this.duplicatedUsers,
        ])
            f.clear();
    }
}

export class KeyVaultFaults {
    #latencyMs = 0;
    readonly failures = new CountedFault<number>();

    /** Delay before every Key Vault response. */
    get latencyMs(): number {
        return this.#latencyMs;
    }
    set latencyMs(ms: number) {
        this.#latencyMs = checkLatency(ms);
    }

    /** The next `count` Key Vault requests (challenges included) fail with this status. */
    fail(count: number, status: number): void {
        checkErrorStatus(status);
        this.failures.arm(count, status);
    }

    clear(): void {
        this.#latencyMs = 0;
        this.failures.clear();
    }
}

/** Fails the next `count` requests of one kind with a status. */
class StatusFaults {
    readonly failures = new CountedFault<number>();

    /** The next `count` requests fail with this status (429, 5xx). */
    fail(count: number, status: number): void {
        checkErrorStatus(status);
        this.failures.arm(count, status);
    }

    clear(): void {
        this.failures.clear();
    }
}

/** Token endpoint POSTs get an Entra-shaped error with the status. */
export class TokenFaults extends StatusFaults {}

/** GETs of the tenant's discovery documents (the signing keys, the OpenID metadata) fail with the status. */
export class DiscoveryFaults extends StatusFaults {}

export class FederationFaults {
    readonly propagation = new CountedFault<true>();

    /**
     * The next `count` token requests with a federated assertion get AADSTS70021, as Entra answers while a
     * new federated credential propagates.
     */
    delayPropagation(count: number): void {
        this.propagation.arm(count, true);
    }

    clear(): void {
        this.propagation.clear();
    }
}

/** Fault switches per stand-in. Counted faults affect the next N requests, then clear themselves. */
export class SandboxFaults {
    readonly graph = new GraphFaults();
    readonly keyVault = new KeyVaultFaults();
    readonly token = new TokenFaults();
    readonly discovery = new DiscoveryFaults();
    readonly federation = new FederationFaults();

    /** Disarms every fault and zeroes latencies. */
    clear(): void {
        this.graph.clear();
        this.keyVault.clear();
        this.token.clear();
        this.discovery.clear();
        this.federation.clear();
    }
}
