/** CLI progress on stderr: one line redrawn on a terminal, one line a minute otherwise (a fake clock; no real time). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProgressReporter } from '../../src/cli/createProgressReporter.js';

function fakeStream(isTTY: boolean): { isTTY: boolean; written: string[]; write(text: string): boolean } {
    return {
        isTTY,
        written: [],
        write(text: string) {
            this.written.push(text);
            return true;
        },
    };
}

describe('CLI progress reporter', () => {
    it('on a terminal redraws one line with users, pages and rate, at most every 250 ms, and ends it', () => {
        const stream = fakeStream(true);
        let now = 0;
        const progress = createProgressReporter({ stream, now: () => now });
        progress.update({ phase: 'full', users: 999, pages: 1 });
        now = 100;
        progress.update({ phase: 'full', users: 1998, pages: 2 });
        now = 1000;
        progress.update({ phase: 'full', users: 9990, pages: 10 });
        assert.equal(stream.written.length, 2, 'the update 100 ms later is not drawn');
        assert.equal(stream.written[1], '\r\u001b[2Kfull read: 9,990 users, 10 pages, 9,990 users/s');
        progress.clear();
        assert.equal(stream.written.at(-1), '\r\u001b[2K');
        now = 1001;
        progress.update({ phase: 'merge', users: 5000, pages: 0 });
        assert.ok((stream.written.at(-1) ?? '').startsWith('\r\u001b[2Kmerge: 5,000 users, '), stream.written.at(-1));
        progress.done();
        assert.equal(stream.written.at(-1), '\n');
    });

    it('without a terminal writes one line per minute, and nothing for a short run', () => {
        const stream = fakeStream(false);
        let now = 0;
        const progress = createProgressReporter({ stream, now: () => now });
        for (let page = 1; page <= 50; page += 1) {
            now = page * 1000;
            progress.update({ phase: 'delta', users: page * 200, pages: page });
        }
        assert.equal(stream.written.length, 0);
        for (let page = 51; page <= 130; page += 1) {
            now = page * 1000;
            progress.update({ phase: 'delta', users: page * 200, pages: page });
        }
        assert.deepEqual(stream.written, [
            'delta round: 12,000 changes, 60 pages, 203 changes/s\n',
            'delta round: 24,000 changes, 120 pages, 202 changes/s\n',
        ]);
        progress.done();
        assert.equal(stream.written.length, 2);
    });
});
