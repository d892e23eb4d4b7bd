import type { LogHandler } from '@azure/functions';
import type { Logger } from '../../src/logging/Logger.js';
import { hygiene } from './hygieneGuard.js';

/**
 * Collects every log line and response body a test produced, for assertions, and hands each to
 * the suite-wide hygiene guard.
 */
export class LogCapture {
    readonly lines: string[] = [];
    readonly #retain: boolean;

    /** `retain: false` checks each line for leaks on the spot and keeps none (load tests). */
    constructor(options: { readonly retain?: boolean } = {}) {
        this.#retain = options.retain ?? true;
    }

    readonly logHandler: LogHandler = (level, ...args) => {
        this.capture(`[${level}] ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`);
    };

    capture(text: string): void {
        if (!this.#retain) {
            hygiene.scanText(text);
            return;
        }
        this.lines.push(text);
        hygiene.recordText(text);
    }

    logger(source: string): Logger {
        return {
            info: (m) => {
                this.capture(`[${source} info] ${m}`);
            },
            warn: (m) => {
                this.capture(`[${source} warn] ${m}`);
            },
            error: (m) => {
                this.capture(`[${source} error] ${m}`);
            },
        };
    }

    /** Lines that contain any of the forbidden values (secrets, tokens) or a JWT-looking string. */
    leaks(forbidden: readonly string[]): string[] {
        const jwt = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\./;
        return this.lines.filter((line) => jwt.test(line) || forbidden.some((value) => value.length >= 4 && line.includes(value)));
    }
}
