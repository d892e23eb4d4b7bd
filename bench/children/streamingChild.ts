/**
 * `all=true` through the worker's HTTP proxy (the worker-mode harness, test/support/worker) for
 * callers that never read or hang up, against a directory of argv[2] users, argv[3] rounds. The
 * sandbox runs in this process because the figures are its Graph page counter and the proxy's
 * byte counts, not this process's memory or CPU.
 */
import { startSandbox } from '../../sandbox/index.js';
import { measureAllUsersCaller, type AllUsersCallerCost, type CallerKind } from '../../test/support/measureAllUsersCaller.js';
import { startWorkerHarness } from '../../test/support/worker/startWorkerHarness.js';
import { report } from './report.js';

const KINDS: readonly CallerKind[] = ['stall', 'disconnectBeforeFirstByte', 'disconnectMidBody'];

const users = Number(process.argv[2]);
const rounds = Number(process.argv[3]);
const sandbox = await startSandbox({ userCount: users });
const worker = await startWorkerHarness({ env: sandbox.settings });
try {
    // One reading request first, so Key Vault and the token are warm, as for every request but the first.
    const warm = await worker.http({ path: '/api/users?all=true', headers: { accept: 'application/x-ndjson' } });
    if (warm.status !== 200) throw new Error(`The warm-up request answered ${String(warm.status)}.`);
    const costs: AllUsersCallerCost[] = [];
    for (let round = 0; round < rounds; round += 1) {
        for (const kind of KINDS) costs.push(await measureAllUsersCaller(worker, sandbox, kind));
    }
    report(costs);
} finally {
    await worker.close();
    await sandbox.close();
}
