/**
 * Property: whatever the directory does between runs (creations, updates of selected and
 * unselected properties, soft deletes, restores, hard deletes) and however runs go (incremental,
 * forced full, token expired with any of Graph's three answers, changes over the bound), after
 * every run the snapshot equals a fresh full read of the same directory, as a set of records.
 * 200 sequences into folders (FolderSnapshotStore), then a few into Azurite (BlobSnapshotStore).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { loadExportSettings } from '../../src/config/ExportSettings.js';
import { FolderSnapshotStore } from '../../src/export/FolderSnapshotStore.js';
import type { FullReadReason } from '../../src/export/FullReadReason.js';
import { runSnapshotExport } from '../../src/export/runSnapshotExport.js';
import type { SnapshotStore } from '../../src/export/SnapshotStore.js';
import type { Runtime } from '../../src/runtime/createRuntime.js';
import type { DeltaExpiryAnswer } from '../../sandbox/index.js';
import { freshFullRead, snapshotRecords, sortedRecords } from '../support/snapshotRecords.js';
import { startExportTestKit, type ExportTestKit } from '../support/startExportTestKit.js';

const FOLDER_SEQUENCES = 200;
const AZURITE_SEQUENCES = 12;

type Mutation =
    | { readonly kind: 'create' }
    | { readonly kind: 'update' | 'updateUnselected' | 'softDelete' | 'restore' | 'hardDelete'; readonly pick: number };
type RunKind = { readonly kind: 'auto' | 'full' | 'tight' } | { readonly kind: 'expired'; readonly answer: DeltaExpiryAnswer };
interface Step {
    readonly mutations: readonly Mutation[];
    readonly run: RunKind;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.constant({ kind: 'create' as const }),
    fc.record({
        kind: fc.constantFrom(
            'update' as const,
            'updateUnselected' as const,
            'softDelete' as const,
            'restore' as const,
            'hardDelete' as const,
        ),
        pick: fc.nat(),
    }),
);
const runKind: fc.Arbitrary<RunKind> = fc.oneof(
    { weight: 5, arbitrary: fc.constant({ kind: 'auto' as const }) },
    fc.constant({ kind: 'full' as const }),
    fc.constant({ kind: 'tight' as const }),
    fc.record({
        kind: fc.constant('expired' as const),
        answer: fc.constantFrom('syncStateNotFound' as const, 'gone' as const, 'resyncRequired' as const),
    }),
);
const sequence = fc.record({
    gzip: fc.boolean(),
    steps: fc.array(fc.record({ mutations: fc.array(mutation, { maxLength: 12 }), run: runKind }), { minLength: 1, maxLength: 5 }),
});

describe('incremental exports equal a fresh full read (property)', () => {
    let kit: ExportTestKit;
    let runtime: Runtime;
    let root: string;
    before(async () => {
        // Small delta pages, so rounds span pages and replays cross them.
        kit = await startExportTestKit({ userCount: 40, deltaPageSize: 7 });
        runtime = kit.t.newRuntime();
        root = await mkdtemp(join(tmpdir(), 'graph-users-delta-property-'));
    });
    after(async () => {
        await rm(root, { recursive: true, force: true });
        await kit.close();
    });

    function mutate(m: Mutation): void {
        const directory = kit.t.sandbox.directory;
        if (m.kind === 'create') {
            directory.create();
            return;
        }
        const index = m.pick % directory.size;
        if (m.kind === 'update') directory.update(index);
        else if (m.kind === 'updateUnselected') directory.update(index, { city: `City ${m.pick}`, usageLocation: 'IS' });
        else directory[m.kind](index);
    }

    /** Runs one sequence against `store`; asserts after every run. */
    async function check(store: SnapshotStore, gzip: boolean, steps: readonly Step[]): Promise<void> {
        const settings = loadExportSettings({ USERS_EXPORT_GZIP: String(gzip) });
        for (const [n, step] of steps.entries()) {
            step.mutations.forEach(mutate);
            if (step.run.kind === 'expired') kit.t.sandbox.expireDeltaTokens(step.run.answer);
            const { manifest } = await runSnapshotExport({
                graph: runtime.graph,
                store,
                settings,
                full: step.run.kind === 'full',
                ...(step.run.kind === 'tight' ? { changeLimits: { maxChanges: 2, maxChangeBytes: 1 << 30 } } : {}),
            });
            const expected: FullReadReason | undefined =
                step.run.kind === 'full' ? 'forced' : n === 0 ? 'noState' : step.run.kind === 'expired' ? 'deltaTokenExpired' : undefined;
            if (expected !== undefined) assert.equal(manifest.fullReadReason, expected);
            else if (step.run.kind === 'auto') assert.equal(manifest.mode, 'incremental');
            const stored = await readStored(store, manifest.blobName);
            const records = snapshotRecords(stored, manifest.gzip);
            assert.equal(records.size, manifest.userCount);
            assert.deepEqual(sortedRecords(records), sortedRecords(await freshFullRead(runtime.graph, manifest.select)));
        }
    }

    it(`${FOLDER_SEQUENCES} sequences into a folder`, async () => {
        let sequences = 0;
        await fc.assert(
            fc.asyncProperty(sequence, async ({ gzip, steps }) => {
                sequences += 1;
                const store = new FolderSnapshotStore(join(root, `run-${sequences}`));
                await check(store, gzip, steps);
            }),
            { numRuns: FOLDER_SEQUENCES },
        );
    });

    it(`${AZURITE_SEQUENCES} sequences into Azurite`, async () => {
        await fc.assert(
            fc.asyncProperty(sequence, async ({ gzip, steps }) => {
                const target = await kit.newTarget({ USERS_EXPORT_GZIP: String(gzip) });
                await check(target.exportRuntime().store, gzip, steps);
            }),
            { numRuns: AZURITE_SEQUENCES },
        );
    });
});

async function readStored(store: SnapshotStore, name: string): Promise<Buffer> {
    const stream = await store.readSnapshot(name);
    assert.ok(stream !== undefined, `${name} exists`);
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
}
