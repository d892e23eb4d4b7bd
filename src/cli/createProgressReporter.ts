import type { ExportProgress } from '../export/ExportProgress.js';

/** The part of a stream the reporter needs (process.stderr in the CLI). */
export interface ProgressStream {
    readonly isTTY?: boolean;
    write(text: string): boolean;
}

export interface ProgressReporterOptions {
    readonly stream: ProgressStream;
    /** Monotonic milliseconds; default performance.now. */
    readonly now?: () => number;
}

export interface ProgressReporter {
    update(progress: ExportProgress): void;
    /** Erases the terminal line before something else is written to the stream. */
    clear(): void;
    /** Leaves the last figures on screen (terminal only). */
    done(): void;
}

/** A terminal line is redrawn at most this often. */
const TTY_INTERVAL_MS = 250;
/** Without a terminal (CI, a log file), one line per minute. */
const LINE_INTERVAL_MS = 60_000;
const ERASE_LINE = '\r\u001b[2K';

const PHASE = { full: 'full read', delta: 'delta round', merge: 'merge' } as const;

/**
 * Progress of a long CLI export on stderr: on a terminal one line, redrawn in place (users, pages,
 * rate); otherwise a new line every minute, so logs stay readable. The function app has no
 * progress output: its invocation summary says the same once.
 */
export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
    const { stream } = options;
    const now = options.now ?? (() => performance.now());
    const tty = stream.isTTY === true;
    const interval = tty ? TTY_INTERVAL_MS : LINE_INTERVAL_MS;
    const started = now();
    let phase: { name: ExportProgress['phase']; since: number } | undefined;
    let last: ExportProgress | undefined;
    let lastShown = tty ? -Infinity : started;
    let onScreen = false;

    const describe = (p: ExportProgress, at: number): string => {
        const seconds = Math.max((at - (phase?.since ?? started)) / 1000, 0.001);
        const unit = p.phase === 'delta' ? 'changes' : 'users';
        const pages = p.phase === 'merge' ? '' : `, ${p.pages.toLocaleString('en-US')} pages`;
        return `${PHASE[p.phase]}: ${p.users.toLocaleString('en-US')} ${unit}${pages}, ${Math.round(p.users / seconds).toLocaleString('en-US')} ${unit}/s`;
    };
    const show = (at: number): void => {
        if (last === undefined) return;
        lastShown = at;
        if (tty) {
            stream.write(`${ERASE_LINE}${describe(last, at)}`);
            onScreen = true;
        } else {
            stream.write(`${describe(last, at)}\n`);
        }
    };
    return {
        update(progress) {
            const at = now();
            if (phase?.name !== progress.phase) phase = { name: progress.phase, since: at };
            last = progress;
            if (at - lastShown >= interval) show(at);
        },
        clear() {
            if (!onScreen) return;
            stream.write(ERASE_LINE);
            onScreen = false;
            lastShown = -Infinity;
        },
        done() {
            if (!tty || last === undefined) return;
            show(now());
            stream.write('\n');
            onScreen = false;
        },
    };
}
