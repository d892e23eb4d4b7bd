import { fullReadReasons, type FullReadReason } from './FullReadReason.js';

/**
 * Not a failure: the incremental run cannot go on and the run continues as a full read. Thrown
 * inside the export only; `detail` may be logged (it never holds a deltaLink).
 */
export class FullReadNeeded extends Error {
    readonly reason: FullReadReason;
    constructor(reason: FullReadReason, detail?: string) {
        super(detail === undefined ? fullReadReasons[reason] : `${fullReadReasons[reason]}: ${detail}`);
        this.name = 'FullReadNeeded';
        this.reason = reason;
    }
}
