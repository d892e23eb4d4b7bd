import { readFileSync } from 'node:fs';

/**
 * This process's peak RSS in KiB. Not `process.resourceUsage().maxRSS`: on Linux, execve() folds the
 * high-water mark of the forked copy of the parent into the new program's (fs/exec.c, exec_mmap():
 * setmax_mm_hiwater_rss(&tsk->signal->maxrss, old_mm)), so a child spawned by a test or bench process
 * holding a large sandbox reports at least the parent's RSS. /proc/self/status `VmHWM` is the
 * high-water mark of this program's own address space (proc(5)).
 */
export function peakRssKb(): number {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match?.[1] === undefined) throw new Error('No VmHWM in /proc/self/status: peak RSS is measured on Linux only.');
    return Number(match[1]);
}
