import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import functions, { type Timer } from '@azure/functions';
import { ConfigurationError } from '../../src/errors/errorClasses.js';
import { createUsersExportTimerHandler } from '../../src/functions/handlers/createUsersExportTimerHandler.js';
import { createExportRuntime } from '../../src/runtime/createExportRuntime.js';
import { sha256, startExportTestKit, type ExportTestKit } from '../support/startExportTestKit.js';

const { InvocationContext } = functions;
const timer: Timer = { isPastDue: true, schedule: { adjustForDST: true }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };

describe('timer function against the sandbox and Azurite', () => {
    let kit: ExportTestKit;
    before(async () => {
        kit = await startExportTestKit({ userCount: 2100 });
    });
    after(() => kit.close());

    const context = (invocationId: string): InstanceType<typeof InvocationContext> =>
        new InvocationContext({ invocationId, functionName: 'usersExport', logHandler: kit.t.logs.logHandler });

    it('writes a snapshot and latest.json, and logs one summary line with the manifest', async () => {
        const target = await kit.newTarget();
        const runtime = kit.t.newRuntime();
        await createUsersExportTimerHandler(
            () => runtime,
            () => target.exportRuntime(),
        )(timer, context('timer-1'));
        const summary = kit.t.logs.lines.find((l) => l.includes('"event":"graphUsers.invocation"') && l.includes('timer-1'));
        assert.ok(summary !== undefined, kit.t.logs.lines.join('\n'));
        const parsed = JSON.parse(summary.slice(summary.indexOf('{'))) as Record<string, unknown> & {
            snapshot: {
                blobName: string;
                sha256: string;
                userCount: number;
                deletedSnapshots: number;
                mode: string;
                fullReadReason?: string;
                duplicates: number;
            };
        };
        assert.equal(parsed.users, 2100);
        assert.equal(parsed.pages, 3);
        assert.equal(parsed.outcome, 'success');
        assert.equal(parsed.snapshot.userCount, 2100);
        assert.equal(parsed.snapshot.deletedSnapshots, 0);
        assert.deepEqual([parsed.snapshot.mode, parsed.snapshot.fullReadReason, parsed.snapshot.duplicates], ['full', 'noState', 0]);
        const latest = await target.latest();
        assert.ok(latest !== undefined);
        assert.equal((JSON.parse(latest.text) as { blobName: string }).blobName, parsed.snapshot.blobName);
        assert.equal(sha256(await target.download(parsed.snapshot.blobName)), parsed.snapshot.sha256);
        assert.ok(kit.t.logs.lines.some((l) => l.includes('past due')));
        assert.ok(kit.t.logs.lines.some((l) => l.includes('Exported 2100 users in 3 pages')));

        // The next run reads only the changes; the summary says so, with the counts.
        kit.t.sandbox.directory.update(3);
        await createUsersExportTimerHandler(
            () => runtime,
            () => target.exportRuntime(),
        )(timer, context('timer-1b'));
        const next = kit.t.logs.lines.find((l) => l.includes('"event":"graphUsers.invocation"') && l.includes('timer-1b')) ?? '';
        const snapshot = (JSON.parse(next.slice(next.indexOf('{'))) as { snapshot: Record<string, unknown> }).snapshot;
        assert.deepEqual([snapshot.mode, snapshot.added, snapshot.updated, snapshot.removed], ['incremental', 0, 1, 0]);
        assert.equal(snapshot.fullReadReason, undefined);
    });

    it('fails fast, before any Graph request, when no export storage is configured', async () => {
        kit.t.sandbox.counters.reset();
        const env = { ...kit.t.sandbox.settings };
        const handler = createUsersExportTimerHandler(
            () => kit.t.newRuntime(),
            () => createExportRuntime(env),
        );
        await assert.rejects(
            handler(timer, context('timer-config')),
            (e: unknown) =>
                e instanceof ConfigurationError &&
                e.settings.includes('USERS_EXPORT_STORAGE') &&
                e.settings.includes('USERS_EXPORT_STORAGE__blobServiceUri'),
        );
        assert.equal(kit.t.sandbox.counters.graphRequests, 0);
        assert.ok(kit.t.logs.lines.some((l) => l.includes('"errorCode":"ConfigurationInvalid"')));
    });

    it('rethrows failures so the host applies the retry policy, after logging the code', async () => {
        const target = await kit.newTarget();
        kit.t.sandbox.setAppRoles([]);
        const runtime = kit.t.newRuntime();
        await assert.rejects(
            createUsersExportTimerHandler(
                () => runtime,
                () => target.exportRuntime(),
            )(timer, context('timer-2')),
            /admin consent missing for User\.Read\.All/,
        );
        kit.t.sandbox.setAppRoles(['User.Read.All']);
        assert.ok(kit.t.logs.lines.some((l) => l.includes('"errorCode":"GraphConsentMissing"')));
        assert.equal(await target.latest(), undefined);
        assert.deepEqual(await target.snapshotNames(), []);
    });

    it('logs nothing secret', () => {
        assert.deepEqual(kit.t.logs.leaks([...kit.t.sandbox.secretHistory(), ...kit.t.sandbox.issuedTokens()]), []);
    });
});
