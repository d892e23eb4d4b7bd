/**
 * Caller authorization under load, through the Node worker and its HTTP proxy, from a cold process:
 * 10,000 requests at concurrency 200 with Entra ID tokens (v1 and v2, applications and users) read
 * the tenant's keys exactly once and all succeed. The validation's own cost is measured by `npm run
 * bench` (bench/children/callerAuthChild.ts), not asserted here.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startTestSandbox, type TestSandbox } from '../support/startTestSandbox.js';
import { startWorkerHarness, type WorkerHarness } from '../support/worker/startWorkerHarness.js';

const REQUESTS = 10_000;
const CONCURRENCY = 200;

let t: TestSandbox;
let worker: WorkerHarness;

before(async () => {
    t = await startTestSandbox({ userCount: 10 });
    worker = await startWorkerHarness({ env: { ...t.sandbox.settings, ...t.sandbox.callerTokens.settings } });
});

after(async () => {
    await worker.close();
    await t.close();
});

it(`${REQUESTS.toLocaleString('en')} requests at concurrency ${CONCURRENCY} from cold: every one authorized, the tenant's keys read once`, async () => {
    const tokens = await Promise.all(
        (
            [
                { version: 2, kind: 'application' },
                { version: 1, kind: 'application' },
                { version: 2, kind: 'user' },
                { version: 1, kind: 'user' },
            ] as const
        ).map((request) => t.sandbox.callerTokens.issue(request)),
    );
    t.sandbox.counters.reset();
    const statuses = new Map<number, number>();
    let next = 0;
    const client = async (): Promise<void> => {
        while (next < REQUESTS) {
            const index = next++;
            const response = await worker.http({
                path: '/api/users?top=1&select=id',
                headers: { accept: 'application/json', authorization: `Bearer ${tokens[index % tokens.length] ?? ''}` },
            });
            const status = response.status ?? 0;
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, client));
    assert.deepEqual([...statuses], [[200, REQUESTS]]);
    assert.equal(t.sandbox.counters.jwksRequests, 1, 'one key-set fetch for every concurrent cold caller and all later ones');
    assert.equal(t.sandbox.counters.graphRequests, REQUESTS);
    assert.deepEqual(worker.logs.lateLogWarnings(), []);
    console.log(`Caller authorization load: ${REQUESTS} requests at concurrency ${CONCURRENCY}, all 200, JWKS fetched once`);
});
