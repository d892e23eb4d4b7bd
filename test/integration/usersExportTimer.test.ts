import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import functions, { type Timer } from '@azure/functions';
import { createUsersExportTimerHandler } from '../../src/functions/handlers/createUsersExportTimerHandler.js';
import { startTestSandbox, type TestSandbox } from '../support/startTestSandbox.js';

const { InvocationContext } = functions;
const timer: Timer = { isPastDue: true, schedule: { adjustForDST: true }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };

describe('timer function against the sandbox', () => {
    let t: TestSandbox;
    before(async () => {
        t = await startTestSandbox({ userCount: 2100 });
    });
    after(() => t.close());

    it('reads every page through the shared pipeline and logs one summary line', async () => {
        const runtime = t.newRuntime();
        const context = new InvocationContext({ invocationId: 'timer-1', functionName: 'usersExport', logHandler: t.logs.logHandler });
        await createUsersExportTimerHandler(() => runtime)(timer, context);
        const summary = t.logs.lines.find((l) => l.includes('"event":"graphUsers.invocation"'));
        assert.ok(summary !== undefined, t.logs.lines.join('\n'));
        const parsed = JSON.parse(summary.slice(summary.indexOf('{'))) as Record<string, unknown>;
        assert.equal(parsed.users, 2100);
        assert.equal(parsed.pages, 3);
        assert.equal(parsed.outcome, 'success');
        assert.equal(parsed.invocationId, 'timer-1');
        assert.ok(t.logs.lines.some((l) => l.includes('past due')));
        assert.ok(t.logs.lines.some((l) => l.includes('Read 2100 users in 3 pages')));
    });

    it('rethrows failures so the host applies the retry policy, after logging the code', async () => {
        t.sandbox.setAppRoles([]);
        const runtime = t.newRuntime();
        const context = new InvocationContext({ invocationId: 'timer-2', functionName: 'usersExport', logHandler: t.logs.logHandler });
        await assert.rejects(createUsersExportTimerHandler(() => runtime)(timer, context), /admin consent missing for User\.Read\.All/);
        assert.ok(t.logs.lines.some((l) => l.includes('"errorCode":"GraphConsentMissing"')));
        t.sandbox.setAppRoles(['User.Read.All']);
    });

    it('logs nothing secret', () => {
        assert.deepEqual(t.logs.leaks([...t.sandbox.secretHistory(), ...t.sandbox.issuedTokens()]), []);
    });
});
