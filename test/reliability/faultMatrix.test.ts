/**
 * The fault matrix: each row injects one fault into the sandbox and runs a full export through
 * the real SDKs. Expected outcome per row: the export completes exactly once with every user, or
 * it fails cleanly with the documented code and HTTP status and commits nothing.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { AppError } from '../../src/errors/AppError.js';
import { exportUsers } from '../../src/export/exportUsers.js';
import type { ExportSummary, UsersSink } from '../../src/export/UsersSink.js';
import type { GraphUser } from '../../src/graph/GraphUser.js';
import type { RuntimeOptions } from '../../src/runtime/createRuntime.js';
import type { SandboxOptions } from '../../sandbox/index.js';
import { hygiene } from '../support/hygieneGuard.js';
import { fastRetry, startTestSandbox, type TestSandbox } from '../support/startTestSandbox.js';

const USERS = 2500;

type Expected = { readonly outcome: 'complete' } | { readonly outcome: 'fail'; readonly code: string; readonly status: number };

interface Row {
    readonly name: string;
    readonly expected: Expected;
    readonly arrange: (t: TestSandbox) => unknown;
    readonly sandbox?: SandboxOptions;
    readonly runtime?: RuntimeOptions;
    /** Extra checks on the sandbox after the run (e.g. request counts). */
    readonly verify?: (t: TestSandbox) => void;
}

/** Records what an export delivered, so "exactly once" and "nothing committed" can be checked. */
class CheckingSink implements UsersSink {
    readonly ids: string[] = [];
    committed = false;
    aborted = false;
    writePage(users: readonly GraphUser[]): Promise<void> {
        for (const user of users) this.ids.push(user.id);
        return Promise.resolve();
    }
    commit(_summary: ExportSummary): Promise<void> {
        this.committed = true;
        return Promise.resolve();
    }
    abort(): Promise<void> {
        this.aborted = true;
        return Promise.resolve();
    }
}

const complete: Expected = { outcome: 'complete' };
const retryAfterDate = (): string => new Date(Date.now() + 1000).toUTCString();

const rows: readonly Row[] = [
    {
        name: 'Graph 429 storm, Retry-After in seconds',
        expected: complete,
        arrange: (t) => {
            t.sandbox.faults.graph.throttle(3, '1');
        },
    },
    {
        name: 'Graph 429 storm, Retry-After as HTTP-date',
        expected: complete,
        arrange: (t) => {
            t.sandbox.faults.graph.throttle(2, retryAfterDate());
        },
    },
    {
        name: 'Graph 429 storm, no Retry-After (jittered backoff)',
        expected: complete,
        arrange: (t) => {
            t.sandbox.faults.graph.throttle(4);
        },
    },
    {
        name: 'Graph 429 storm longer than the retry budget',
        expected: { outcome: 'fail', code: 'GraphThrottled', status: 503 },
        arrange: (t) => {
            t.sandbox.faults.graph.throttle(50);
        },
    },
    {
        name: 'Graph 503 twice',
        expected: complete,
        arrange: (t) => {
            t.sandbox.faults.graph.fail(2, 503);
        },
    },
    {
        name: 'Graph 504 twice',
        expected: complete,
        arrange: (t) => {
            t.sandbox.faults.graph.fail(2, 504);
        },
    },
    {
        name: 'Graph 503 persisting past the retry budget',
        expected: { outcome: 'fail', code: 'GraphUnavailable', status: 502 },
        arrange: (t) => {
            t.sandbox.faults.graph.fail(50, 503);
        },
    },
    {
        name: 'Graph connection reset mid-body',
        expected: complete,
        arrange: (t) => {
            t.sandbox.faults.graph.resetConnection(2);
        },
    },
    {
        name: 'Graph slower than the request timeout',
        expected: { outcome: 'fail', code: 'GraphUnavailable', status: 502 },
        arrange: (t) => {
            t.sandbox.faults.graph.latencyMs = 400;
        },
        runtime: { retry: { ...fastRetry, requestTimeoutMs: 100, maxAttempts: 3 } },
    },
    {
        name: 'Graph malformed JSON page',
        expected: complete,
        arrange: (t) => {
            t.sandbox.faults.graph.malformed(1);
        },
    },
    {
        name: 'Graph nextLink to a foreign origin',
        expected: { outcome: 'fail', code: 'GraphForeignNextLink', status: 502 },
        arrange: (t) => {
            t.sandbox.faults.graph.foreignNextLink(1, 'https://evil.example');
        },
        verify: (t) => {
            assert.ok(t.sandbox.requests.every((r) => r.service !== 'graph' || r.path.startsWith('/v1.0/users')));
        },
    },
    {
        name: 'Graph 403: admin consent missing',
        expected: { outcome: 'fail', code: 'GraphConsentMissing', status: 502 },
        arrange: (t) => {
            t.sandbox.setAppRoles([]);
        },
    },
    {
        name: 'Key Vault 5xx twice (SDK retries)',
        expected: complete,
        arrange: (t) => {
            t.sandbox.faults.keyVault.fail(2, 503);
        },
    },
    {
        name: 'Key Vault 5xx persisting',
        expected: { outcome: 'fail', code: 'KeyVaultUnavailable', status: 503 },
        arrange: (t) => {
            t.sandbox.faults.keyVault.fail(50, 500);
        },
    },
    {
        name: 'Key Vault slower than the read timeout',
        expected: { outcome: 'fail', code: 'KeyVaultUnavailable', status: 503 },
        arrange: (t) => {
            t.sandbox.faults.keyVault.latencyMs = 500;
        },
        runtime: { keyVaultTimeoutMs: 150 },
    },
    {
        name: 'Key Vault 403 (no role)',
        expected: { outcome: 'fail', code: 'KeyVaultForbidden', status: 503 },
        arrange: (t) => {
            t.sandbox.setKeyVaultAccess(false);
        },
    },
    {
        name: 'Key Vault secret missing',
        expected: { outcome: 'fail', code: 'KeyVaultSecretNotFound', status: 503 },
        arrange: (t) => {
            t.sandbox.deleteSecret();
        },
    },
    {
        name: 'Key Vault secret disabled',
        expected: { outcome: 'fail', code: 'KeyVaultSecretDisabled', status: 503 },
        arrange: (t) => {
            t.sandbox.disableSecret();
        },
    },
    {
        name: 'Token endpoint 503 once',
        expected: complete,
        arrange: (t) => {
            t.sandbox.faults.token.fail(1, 503);
        },
    },
    {
        // Throttling is honoured, not retried at once: the caller gets 503 with Retry-After.
        name: 'Token endpoint 429 (throttled)',
        expected: { outcome: 'fail', code: 'TokenEndpointUnavailable', status: 503 },
        arrange: (t) => {
            t.sandbox.faults.token.fail(1, 429);
        },
    },
    {
        name: 'Token endpoint 5xx persisting',
        expected: { outcome: 'fail', code: 'TokenEndpointUnavailable', status: 503 },
        arrange: (t) => {
            t.sandbox.faults.token.fail(50, 500);
        },
    },
    {
        name: 'invalid_client after rotation: recovers after one re-read',
        expected: complete,
        arrange: async (t) => {
            // Warm the secret cache with the old value, then rotate and revoke it.
            await t.newRuntime().secrets.getSecret();
            await t.sandbox.rotateSecret({ revokeOld: true });
        },
        verify: (t) => {
            assert.equal(t.sandbox.counters.tokenSuccesses, 1);
        },
    },
    {
        name: 'Expired client secret (AADSTS7000222)',
        expected: { outcome: 'fail', code: 'TokenClientSecretExpired', status: 503 },
        arrange: (t) => {
            t.sandbox.expireSecret();
        },
    },
];

const observed: { row: string; expected: string; observed: string }[] = [];
const describeExpected = (e: Expected): string => (e.outcome === 'complete' ? 'complete, every user once' : `fail ${e.status} ${e.code}`);

after(() => {
    const width = Math.max(...observed.map((o) => o.row.length));
    const lines = observed.map((o) => `${o.row.padEnd(width)} | ${o.expected.padEnd(30)} | ${o.observed}`);
    const survived = observed.filter((o) => o.expected === o.observed).length;
    console.log(
        `\nFault matrix: ${survived}/${observed.length} rows as expected\n${'row'.padEnd(width)} | ${'expected'.padEnd(30)} | observed\n${lines.join('\n')}\n`,
    );
});

describe('fault matrix', () => {
    for (const row of rows) {
        it(row.name, async () => {
            const t = await startTestSandbox({ userCount: USERS, ...row.sandbox });
            try {
                // Rotation rows warm the vault cache in arrange, so that runtime must be the one exporting.
                const runtime = t.newRuntime(row.runtime);
                const shared = row.name.startsWith('invalid_client') ? runtime : undefined;
                if (shared !== undefined) await shared.secrets.getSecret();
                await row.arrange(t);
                t.sandbox.counters.reset();
                const sink = new CheckingSink();
                let outcome: string;
                try {
                    await exportUsers({ users: runtime.users, select: ['id'], sink, logger: t.logs.logger('export') });
                    const unique = new Set(sink.ids);
                    const everyUserOnce =
                        sink.ids.length === USERS && unique.size === USERS && unique.has(t.sandbox.userAt(USERS - 1).id) && sink.committed;
                    outcome = everyUserOnce ? 'complete, every user once' : `incomplete: ${sink.ids.length} ids, ${unique.size} unique`;
                } catch (error) {
                    hygiene.recordError(error);
                    assert.ok(error instanceof AppError, String(error));
                    assert.ok(sink.aborted && !sink.committed, 'a failed export aborts and commits nothing');
                    assert.ok(error.hint !== undefined || error.code.startsWith('Graph'), `${error.code} has a hint`);
                    outcome = `fail ${error.status} ${error.code}`;
                }
                observed.push({ row: row.name, expected: describeExpected(row.expected), observed: outcome });
                assert.equal(outcome, describeExpected(row.expected));
                row.verify?.(t);
            } finally {
                await t.close();
            }
        });
    }
});
