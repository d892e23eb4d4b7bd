/** latest.json and delta-state.json: each parser accepts what the app writes and refuses what it cannot read. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { registerSensitiveValue, sanitizeText } from '../../src/errors/sanitizeText.js';
import { parseDeltaState, type DeltaState } from '../../src/export/DeltaState.js';
import { parseManifest, type SnapshotManifest } from '../../src/export/SnapshotManifest.js';

const RUN = '20260101T060000Z-9f2c4e1a';
const BASE_RUN = '20251231T060000Z-0123abcd';
const v1: SnapshotManifest = {
    schemaVersion: 1,
    runId: RUN,
    blobName: `snapshots/2026/01/01/${RUN}.ndjson`,
    contentType: 'application/x-ndjson',
    gzip: false,
    userCount: 2,
    pageCount: 1,
    bytes: 10,
    sha256: 'ab',
    select: ['id'],
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    durationMs: 1000,
    graphRequests: 1,
};
const incremental: SnapshotManifest = {
    ...v1,
    mode: 'incremental',
    duplicates: 3,
    base: { runId: BASE_RUN, blobName: `snapshots/2025/12/31/${BASE_RUN}.ndjson.gz`, sha256: 'cd' },
    changes: { blobName: `changes/2026/01/01/${RUN}.ndjson`, bytes: 5, sha256: 'ef', added: 1, updated: 2, removed: 0 },
};
const state: DeltaState = {
    schemaVersion: 2,
    tenantId: '7f3c1a2e-5b6d-4e8f-9a0b-1c2d3e4f5a6b',
    deltaLink: 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=abc',
    select: ['id'],
    deltaLinkAt: '2026-01-01T00:00:00.000Z',
    lastFullReadAt: '2026-01-01T00:00:00.000Z',
    snapshot: { runId: BASE_RUN, blobName: `snapshots/2025/12/31/${BASE_RUN}.ndjson`, sha256: 'ab', bytes: 10, gzip: false, userCount: 2 },
};

describe('latest.json and delta-state.json', () => {
    it('a manifest from before incremental exports and one of each mode parse; the delta fields are additive', () => {
        for (const m of [v1, incremental, { ...v1, mode: 'full', fullReadReason: 'noState', duplicates: 0 }]) {
            assert.deepEqual(parseManifest(JSON.stringify(m), 'latest.json'), m);
        }
    });

    it('a manifest it cannot read is refused: another schemaVersion, an unknown mode or reason, a mistyped delta field', () => {
        for (const bad of [
            { ...v1, schemaVersion: 2 },
            { ...v1, mode: 'partial' },
            { ...v1, mode: 'full', fullReadReason: 'because' },
            { ...incremental, changes: { ...incremental.changes, added: '1' } },
            { ...incremental, base: 'q' },
            { ...v1, duplicates: '0' },
        ]) {
            assert.throws(
                () => parseManifest(JSON.stringify(bad), 'latest.json'),
                /not a valid users export manifest/,
                JSON.stringify(bad),
            );
        }
    });

    it('a manifest that names a blob this app does not write is refused, so no reader signs or reads it', () => {
        const changes = incremental.changes;
        assert.ok(changes !== undefined);
        for (const bad of [
            { ...v1, blobName: 'keys/page-tokens.json' },
            { ...v1, blobName: 'latest.json' },
            { ...v1, blobName: `snapshots/2026/01/01/../../../../keys/${RUN}.ndjson` },
            { ...v1, blobName: `snapshots/2026/01/01/${RUN}.ndjson/../../keys/page-tokens.json` },
            { ...v1, blobName: `/snapshots/2026/01/01/${RUN}.ndjson` },
            { ...v1, blobName: `other/snapshots/2026/01/01/${RUN}.ndjson` },
            { ...v1, blobName: `changes/2026/01/01/${RUN}.ndjson` },
            { ...v1, blobName: `snapshots/2026/01/02/${RUN}.ndjson`, why: 'another day than the run' },
            { ...v1, blobName: `snapshots/2026/01/01/${BASE_RUN}.ndjson`, why: 'another run' },
            { ...v1, blobName: `snapshots/2026/01/01/${RUN}.ndjson.gz`, why: 'gzip false' },
            { ...v1, blobName: `snapshots/2026/01/01/${RUN}.ndjson%2F..%2Fkeys` },
            { ...v1, runId: '../keys', blobName: 'snapshots/2026/01/01/../keys.ndjson' },
            { ...incremental, base: { runId: BASE_RUN, blobName: 'keys/page-tokens.json', sha256: 'cd' } },
            { ...incremental, changes: { ...changes, blobName: 'keys/page-tokens.json' } },
            { ...incremental, changes: { ...changes, blobName: `snapshots/2026/01/01/${RUN}.ndjson` } },
        ]) {
            assert.throws(
                () => parseManifest(JSON.stringify(bad), 'latest.json'),
                /not a valid users export manifest: "(blobName|base|changes)/,
                JSON.stringify(bad),
            );
        }
    });

    it('the delta state parses, and what is wrong with a bad one is said without quoting it', () => {
        assert.deepEqual(parseDeltaState(JSON.stringify(state)), state);
        for (const bad of [
            '{',
            '[]',
            JSON.stringify({ ...state, schemaVersion: 1 }),
            JSON.stringify({ ...state, schemaVersion: 3 }),
            JSON.stringify({ ...state, tenantId: undefined }),
            JSON.stringify({ ...state, tenantId: '' }),
            JSON.stringify({ ...state, deltaLink: '' }),
            JSON.stringify({ ...state, lastFullReadAt: 'yesterday' }),
            JSON.stringify({ ...state, snapshot: { ...state.snapshot, bytes: -0.5 } }),
            // A base the export would not have written: the run reads everything instead of reading that blob.
            JSON.stringify({ ...state, snapshot: { ...state.snapshot, blobName: 'keys/page-tokens.json' } }),
            JSON.stringify({ ...state, snapshot: { ...state.snapshot, blobName: `snapshots/2026/01/01/${RUN}.ndjson` } }),
        ]) {
            assert.throws(
                () => parseDeltaState(bad),
                (error: Error) => !error.message.includes('deltatoken'),
                bad,
            );
        }
    });

    it('the sanitizer removes delta and skip tokens, and registered deltaLinks whole', () => {
        const out = sanitizeText(`GET ${state.deltaLink} then https://graph.microsoft.com/v1.0/users?$top=999&$skiptoken=RFNwdAIAAQ`);
        assert.ok(!out.includes('abc') && !out.includes('RFNwdAIAAQ'), out);
        assert.match(out, /\$top=999/);
        const link = 'https://graph.example/v1.0/users/delta?token=opaque-cursor-value';
        registerSensitiveValue(link, 'token');
        assert.ok(!sanitizeText(`at ${link}.`).includes('opaque-cursor-value'));
    });
});
