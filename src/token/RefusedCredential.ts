import type { GraphCredential } from '../credentials/GraphCredential.js';
import type { Logger } from '../logging/Logger.js';
import { computeBackoff, type BackoffOptions } from '../retry/computeBackoff.js';

/**
 * Refused for this long, a newer credential is reported as an error: it is not propagating, it is wrong. Well inside
 * the hook's default ROTATE_GRACE_SECONDS (600 s), so the error comes before the old credential is removed.
 */
const ALARM_AFTER_MS = 5 * 60_000;

export interface RefusedCredentialOptions {
    /** When to try a refused value again. */
    readonly retry: BackoffOptions;
    readonly now: () => number;
    readonly logger?: Logger;
}

/** The newer value not accepted yet: since when, how often tried and refused, when it is due again. */
interface NewerValue {
    readonly key: string;
    readonly since: number;
    tries: number;
    refusals: number;
    retryAt: number;
    alarmed: boolean;
}

/**
 * The newer credential value Entra ID refused while an older one may still work (a rotation that has not
 * propagated): when to try it again, and what to tell the operator: one warning at the first refusal, one error
 * if it is still refused after 5 minutes, one info line when it is finally accepted.
 */
export class RefusedCredential {
    readonly #options: RefusedCredentialOptions;
    #refused: NewerValue | undefined;

    constructor(options: RefusedCredentialOptions) {
        this.#options = options;
    }

    /** Whether `credential` is not the refused value, or its next try is due. */
    isDue(credential: GraphCredential): boolean {
        return this.#refused?.key !== credential.key || this.#options.now() >= this.#refused.retryAt;
    }

    /**
     * Records a refusal. `refusal` is the AADSTS code, if known; `alarm` renders the error (with its fix) logged once the
     * value has been refused for 5 minutes.
     */
    refused(credential: GraphCredential, refusal: number | undefined, alarm: () => string): void {
        const { refused, now, delay } = this.#tryLater(credential);
        refused.refusals += 1;
        const text = `Entra ID refused ${credential.facts().description}${refusal === undefined ? '' : ` (AADSTS${refusal})`}`;
        if (refused.refusals === 1) {
            this.#options.logger?.warn(
                `${text}. A credential added in the last minutes may not have reached all of Entra ID yet: the app keeps the last credential Entra ID accepted, if it has one, and tries the new one again in about ${Math.round(delay / 1000)} s.`,
            );
        } else if (!refused.alarmed && now - refused.since >= ALARM_AFTER_MS) {
            refused.alarmed = true;
            this.#options.logger?.error(
                `${text} for ${Math.round((now - refused.since) / 60_000)} minutes: it is not propagating, it is wrong. ${alarm()} Until it is fixed the app uses the last credential Entra ID accepted, as long as Entra ID accepts that one.`,
            );
        }
    }

    /**
     * Trying `credential` failed for another reason than a refusal (the token endpoint was unavailable, say) while an
     * older credential still serves: it is tried again on the same schedule, and the failure is logged each time.
     */
    postponed(credential: GraphCredential, failure: string): void {
        const { delay } = this.#tryLater(credential);
        this.#options.logger?.warn(
            `Could not try ${credential.facts().description} with Entra ID: ${failure} The app keeps the last credential Entra ID accepted and tries the new one again in about ${Math.round(delay / 1000)} s.`,
        );
    }

    /** `credential` got a token: if it was refused before, say so, once. */
    accepted(credential: GraphCredential): boolean {
        if (this.#refused?.key !== credential.key) return false;
        const { refusals } = this.#refused;
        this.#refused = undefined;
        if (refusals === 0) return false;
        this.#options.logger?.info(
            `Entra ID now accepts ${credential.facts().description} (refused ${refusals} time(s) while it propagated); using it from now on.`,
        );
        return true;
    }

    /** One more try of `credential` that did not get a token: its next try moves back on the schedule. */
    #tryLater(credential: GraphCredential): { refused: NewerValue; now: number; delay: number } {
        const now = this.#options.now();
        const refused =
            this.#refused?.key === credential.key
                ? this.#refused
                : { key: credential.key, since: now, tries: 0, refusals: 0, retryAt: now, alarmed: false };
        this.#refused = refused;
        refused.tries += 1;
        const delay = Math.max(this.#options.retry.baseDelayMs, computeBackoff(refused.tries, this.#options.retry));
        refused.retryAt = now + delay;
        return { refused, now, delay };
    }
}
