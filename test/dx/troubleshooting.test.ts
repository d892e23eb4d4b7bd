/**
 * Operators search docs/troubleshooting.md for the code in a log line or problem answer. The codes are read
 * from the AppErrorCode union in the source text, so a new code without a row fails the build.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, type AppErrorCode } from '../../src/errors/AppError.js';
import {
    BadRequestError,
    CallerAuthUnavailableError,
    CallerForbiddenError,
    CallerUnauthorizedError,
    ConfigurationError,
    GraphError,
    PageTokenKeysError,
    SecretError,
    SnapshotLinkError,
    TokenError,
} from '../../src/errors/errorClasses.js';
import { toGraphError } from '../../src/graph/toGraphError.js';
import { codeIn, readDoc, tableWithColumns } from './markdownTable.js';

/** The string literals of `export type AppErrorCode = | 'A' | 'B' ...;` in src/errors/AppError.ts. */
function appErrorCodesFromSource(): string[] {
    const source = readDoc('src/errors/AppError.ts');
    const union = /export\s+type\s+AppErrorCode\s*=([^;]+);/.exec(source)?.[1];
    assert.ok(union !== undefined, 'AppErrorCode union not found in src/errors/AppError.ts');
    const codes = [...union.matchAll(/'([A-Za-z]+)'/g)].map((m) => m[1] ?? '');
    assert.ok(codes.length >= 10, `parsed only ${codes.length} codes from the AppErrorCode union`);
    return codes;
}

const codes = appErrorCodesFromSource();
const rows = tableWithColumns(readDoc('docs/troubleshooting.md'), ['Code', 'HTTP', 'Cause', 'Fix'] as const).map((r) => ({
    code: codeIn(r.Code),
    http: r.HTTP.trim(),
    cause: r.Cause.trim(),
    fix: r.Fix.trim(),
}));

test('every AppErrorCode has a row in docs/troubleshooting.md', () => {
    const documented = new Set(rows.map((r) => r.code));
    const missing = codes.filter((c) => !documented.has(c));
    assert.deepEqual(missing, [], `add rows to docs/troubleshooting.md for: ${missing.join(', ')}`);
});

test('docs/troubleshooting.md has no rows for codes that no longer exist', () => {
    const known = new Set(codes);
    const stale = rows.map((r) => r.code).filter((c) => !known.has(c));
    assert.deepEqual(stale, [], `remove or rename rows in docs/troubleshooting.md: ${stale.join(', ')}`);
});

test('every row names a cause and a fix', () => {
    for (const row of rows) {
        assert.ok(row.cause.length > 10, `${row.code}: cause is empty`);
        assert.ok(row.fix.length > 10, `${row.code}: fix is empty`);
    }
});

/**
 * The status the HTTP functions answer with for this code, where the error class or mapper fixes it.
 * Codes whose status is chosen where they are thrown (e.g. the export's) only need a status in the doc.
 */
function statusOf(code: AppErrorCode): number | undefined {
    if (code === 'ConfigurationInvalid') return new ConfigurationError([{ name: 'X', problem: 'is required but not set' }]).status;
    if (code === 'BadRequest') return new BadRequestError('bad').status;
    // Graph throttling is retryable for the caller, so the mapper turns it into a 503 with Retry-After.
    if (code === 'GraphThrottled') return toGraphError(429, '', undefined, {}).status;
    if (code.startsWith('KeyVault')) return new SecretError(code, 'm', {}).status;
    if (code.startsWith('Token')) return new TokenError(code, 'm', {}).status;
    if (code.startsWith('Graph')) return new GraphError(code, 'm', {}).status;
    if (code === 'PageTokenKeysUnavailable') return new PageTokenKeysError('m').status;
    if (code === 'CallerUnauthorized') return new CallerUnauthorizedError(undefined, 'm').status;
    if (code === 'CallerForbidden') {
        return new CallerForbiddenError(
            { objectId: undefined, appId: 'a', tenantId: 't', kind: 'application', role: undefined, tokenVersion: '2.0' },
            'm',
        ).status;
    }
    if (code === 'CallerAuthUnavailable') return new CallerAuthUnavailableError('m').status;
    if (code === 'SnapshotLinkUnavailable') return new SnapshotLinkError('m').status;
    if (code === 'Internal') return new AppError(code, 'm').status;
    return undefined;
}

test('the HTTP column matches the status the app answers with', () => {
    for (const row of rows) {
        // Timer-only codes never reach an HTTP answer.
        if (!/^\d{3}$/.test(row.http)) {
            assert.match(row.http, /timer/i, `${row.code}: HTTP must be a status or say it is timer-only, got "${row.http}"`);
            continue;
        }
        const expected = statusOf(row.code as AppErrorCode);
        if (expected !== undefined) assert.equal(Number(row.http), expected, `${row.code}: HTTP column`);
    }
});

test('the AADSTS codes the token mapper knows are all documented', () => {
    const mapper = readDoc('src/token/toTokenError.ts');
    const aadsts = [...new Set([...mapper.matchAll(/^\s{4}(\d{5,7}):\s*\{/gm)].map((m) => m[1] ?? ''))];
    assert.ok(aadsts.length >= 5, `parsed only ${aadsts.length} AADSTS codes from toTokenError.ts`);
    const doc = readDoc('docs/troubleshooting.md');
    const missing = aadsts.filter((n) => !doc.includes(`AADSTS${n}`));
    assert.deepEqual(missing, [], `document these AADSTS codes in docs/troubleshooting.md: ${missing.join(', ')}`);
});
