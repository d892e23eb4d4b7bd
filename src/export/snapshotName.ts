import { randomBytes } from 'node:crypto';

const DATED_NAME = /^(?:snapshots|changes)\/(\d{4})\/(\d{2})\/(\d{2})\/[^/]+\.ndjson(\.gz)?$/;
/** What newRunId() makes; its date is the folder's date. */
const RUN_ID = /^(\d{4})(\d{2})(\d{2})T\d{6}Z-[0-9a-f]{8}$/;

/** Sortable and unique per run: `20250314T060000Z-9f2c4e1a`. */
export function newRunId(started: Date): string {
    const stamp = started
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
    return `${stamp}-${randomBytes(4).toString('hex')}`;
}

/** `snapshots/YYYY/MM/DD/<runId>.ndjson[.gz]`, dated in UTC by the run's start. */
export function snapshotName(started: Date, runId: string, gzip: boolean): string {
    return datedName('snapshots', started, runId, gzip);
}

/** `changes/YYYY/MM/DD/<runId>.ndjson[.gz]`: an incremental run's change file, dated like its snapshot. */
export function changesName(started: Date, runId: string, gzip: boolean): string {
    return datedName('changes', started, runId, gzip);
}

function datedName(folder: string, started: Date, runId: string, gzip: boolean): string {
    const [date] = started.toISOString().split('T');
    return `${folder}/${(date ?? '').replaceAll('-', '/')}/${runId}.ndjson${gzip ? '.gz' : ''}`;
}

/**
 * Whether `name` is exactly what snapshotName() or changesName() gives for `runId` in `folder` (with
 * `gzip` undefined: either extension). A manifest's blob names go to Storage to be read or signed
 * for a caller, so a name this app would not have written for that run is refused, whatever it is.
 */
export function isRunBlobName(name: string, folder: 'snapshots' | 'changes', runId: string, gzip?: boolean): boolean {
    const match = RUN_ID.exec(runId);
    if (match === null) return false;
    const plain = `${folder}/${match[1] ?? ''}/${match[2] ?? ''}/${match[3] ?? ''}/${runId}.ndjson`;
    return gzip === undefined ? name === plain || name === `${plain}.gz` : name === `${plain}${gzip ? '.gz' : ''}`;
}

/** The UTC day in a snapshot's or change file's name, or undefined for names this app did not write. */
export function snapshotDay(name: string): Date | undefined {
    const match = DATED_NAME.exec(name);
    if (match === null) return undefined;
    const day = new Date(`${match[1] ?? ''}-${match[2] ?? ''}-${match[3] ?? ''}T00:00:00Z`);
    return Number.isNaN(day.getTime()) ? undefined : day;
}
