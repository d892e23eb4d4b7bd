import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runNodeChildJson } from '../support/runNodeChild.js';

describe('peakRssKb', () => {
    it("is the child's own peak, not the RSS of the large parent that spawned it", async () => {
        // The parent holds 256 MiB of touched memory when it spawns the child, as a test holding a 1M-user sandbox does.
        const ballast = Buffer.alloc(256 * 1024 * 1024, 1);
        const script = `import { peakRssKb } from ${JSON.stringify(new URL('../support/peakRssKb.js', import.meta.url).href)};
            const before = peakRssKb();
            const held = Buffer.alloc(64 * 1024 * 1024, 1);
            console.log(JSON.stringify({ before, after: peakRssKb(), held: held.length, maxRss: process.resourceUsage().maxRSS }));`;
        const child = await runNodeChildJson<{ before: number; after: number; maxRss: number }>(['--input-type=module', '-e', script]);
        assert.equal(ballast[ballast.length - 1], 1);
        console.log(
            `child peak RSS ${String(child.before)} -> ${String(child.after)} KiB; its resourceUsage().maxRSS ${String(child.maxRss)} KiB`,
        );
        assert.ok(child.before < 128 * 1024, `a fresh node reports ${String(child.before)} KiB`);
        // The child's own 64 MiB shows.
        assert.ok(child.after - child.before >= 60 * 1024, `${String(child.before)} -> ${String(child.after)} KiB`);
    });
});
