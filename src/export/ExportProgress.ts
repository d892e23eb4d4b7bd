/**
 * How far an export is, reported after each page or chunk: `full` counts users written by a full
 * read, `delta` the changes read in a delta round, `merge` the users written by the merge.
 */
export interface ExportProgress {
    readonly phase: 'full' | 'delta' | 'merge';
    readonly users: number;
    readonly pages: number;
}
