import type { GraphCredential } from '../credentials/GraphCredential.js';
import type { Logger } from '../logging/Logger.js';
import { computeBackoff, type BackoffOptions } from '../retry/computeBackoff.js';

/** Refused for this long, a newer credential is reported as an error: it is not propagating, it is wrong. */
const ALARM_AFTER_MS = 15 * 60_000;

export interface RefusedCredentialOptions {
    /** When to try a refused value again. */
    readonly retry: BackoffOptions;
    readonly now: () => number;
    readonly logger?: Logger;
}

/**
 * The newer credential value Entra ID refused while an older one may still work (a rotation that has not
 * propagated): when to try it again, and what to tell the operator: one warning at the first refusal, one error
 * if it is still refused after 15 minutes, one info line when it is finally accepted.
 */
export class RefusedCredential {
    readonly #options: RefusedCredentialOptions;
    #refused: { readonly key: string; readonly since: number; refusals: number; retryAt: number; alarmed: boolean } | undefined;

    constructor(options: RefusedCredentialOptions) {
        this.#options = options;
    }

    /** Whether `credential` is not the refused value, or its next try is due. */
    isDue(credential: GraphCredential): boolean {
        return this.#refused?.key !== credential.key || this.#options.now() >= this.#refused.retryAt;
    }

    /**
     * Records a refusal. `refusal` is the AADSTS code, if known; `alarm` renders the error (with its fix) logged once the
     * value has been refused for 15 minutes.
     */
    refused(credential: GraphCredential, refusal: number | undefined, alarm: () => string): void {
        const now = this.#options.now();
        const first = this.#refused?.key !== credential.key;
        const refused =
            this.#refused?.key === credential.key
                ? this.#refused
                : { key: credential.key, since: now, refusals: 0, retryAt: now, alarmed: false };
        this.#refused = refused;
        refused.refusals += 1;
        const delay = Math.max(this.#options.retry.baseDelayMs, computeBackoff(refused.refusals, this.#options.retry));
        refused.retryAt = now + delay;
        const text = `Entra ID refused ${credential.facts().description}${refusal === undefined ? '' : ` (AADSTS${refusal})`}`;
        if (first) {
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

    /** `credential` got a token: if it was the refused value, say so, once. */
    accepted(credential: GraphCredential): boolean {
        if (this.#refused?.key !== credential.key) return false;
        this.#options.logger?.info(
            `Entra ID now accepts ${credential.facts().description} (refused ${this.#refused.refusals} time(s) while it propagated); using it from now on.`,
        );
        this.#refused = undefined;
        return true;
    }
}
