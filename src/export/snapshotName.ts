import { randomBytes } from 'node:crypto';

const SNAPSHOT_NAME = /^snapshots\/(\d{4})\/(\d{2})\/(\d{2})\/[^/]+\.ndjson(\.gz)?$/;

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
    const [date] = started.toISOString().split('T');
    return `snapshots/${(date ?? '').replaceAll('-', '/')}/${runId}.ndjson${gzip ? '.gz' : ''}`;
}

/** The UTC day in a snapshot's name, or undefined for names this app did not write. */
export function snapshotDay(name: string): Date | undefined {
    const match = SNAPSHOT_NAME.exec(name);
    if (match === null) return undefined;
    const day = new Date(`${match[1] ?? ''}-${match[2] ?? ''}-${match[3] ?? ''}T00:00:00Z`);
    return Number.isNaN(day.getTime()) ? undefined : day;
}
