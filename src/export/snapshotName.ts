import { randomBytes } from 'node:crypto';

const DATED_NAME = /^(?:snapshots|changes)\/(\d{4})\/(\d{2})\/(\d{2})\/[^/]+\.ndjson(\.gz)?$/;

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

/** The UTC day in a snapshot's or change file's name, or undefined for names this app did not write. */
export function snapshotDay(name: string): Date | undefined {
    const match = DATED_NAME.exec(name);
    if (match === null) return undefined;
    const day = new Date(`${match[1] ?? ''}-${match[2] ?? ''}-${match[3] ?? ''}T00:00:00Z`);
    return Number.isNaN(day.getTime()) ? undefined : day;
}
