import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';

/** Runs a snippet in a fresh process with the guard preloaded, as every test process is. */
async function runGuarded(source: string): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, ['--import', './dist/test/support/hygieneGuard.js', '--input-type=module', '-e', source], {
        stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const [code] = (await once(child, 'close')) as [number | null];
    return { code, stderr };
}

const guardModule = new URL('../support/hygieneGuard.js', import.meta.url).href;

describe('the secret-hygiene guard can fail', () => {
    it('fails a process that prints a JWT-shaped string, without echoing it', async () => {
        const result = await runGuarded(`const h = 'ey' + 'J'; console.log(h + 'hbGciOiJSUzI1NiJ9.' + h + 'zdWIiOiJ4In0.c2ln');`);
        assert.equal(result.code, 1);
        assert.match(result.stderr, /SECRET HYGIENE FAILURE: 1 of \d+ records leak: #\d+ \(JWT-shaped string\)/);
        assert.doesNotMatch(result.stderr, /hbGciOiJSUzI1NiJ9/);
    });

    it('fails a process whose logged error carries a registered secret deep inside', async () => {
        const result = await runGuarded(
            `const { hygiene } = await import(${JSON.stringify(guardModule)});
             const secret = 'sandbox-secret-' + 'value-123';
             hygiene.registerForbidden(() => [secret]);
             const sdkError = Object.assign(new Error('request failed'), { request: { headers: { authorization: 'x', body: 'client_secret=' + secret } } });
             hygiene.recordError(new Error('wrapped', { cause: sdkError }));`,
        );
        assert.equal(result.code, 1);
        assert.match(result.stderr, /registered secret or token/);
    });

    it('fails a process whose error answer to a caller names an internal identifier, in any letter case', async () => {
        const result = await runGuarded(
            `const { hygiene } = await import(${JSON.stringify(guardModule)});
             hygiene.registerInternal(() => ['7f3c1a2e-5b6d-4e8f-9a0b-1c2d3e4f5a6b', 'graph-client-secret']);
             hygiene.recordCallerResponse({ status: 200, body: '{"value":[{"id":"7f3c1a2e-5b6d-4e8f-9a0b-1c2d3e4f5a6b"}]}' });
             hygiene.recordCallerResponse({ status: 503, body: '{"code":"KeyVaultForbidden","detail":"tenant 7F3C1A2E-5B6D-4E8F-9A0B-1C2D3E4F5A6B"}' });`,
        );
        assert.equal(result.code, 1);
        assert.match(result.stderr, /CALLER ANSWER HYGIENE FAILURE: 1 of 1 error answers name an internal identifier: #0/);
        assert.doesNotMatch(result.stderr, /7f3c1a2e/i);
    });

    it('is preloaded into this very test process by the test runner', () => {
        assert.ok(
            process.execArgv.some((arg) => arg.includes('hygieneGuard')),
            `execArgv: ${process.execArgv.join(' ')}`,
        );
    });

    it('passes a clean process', async () => {
        const result = await runGuarded(`console.log('users: 5');`);
        assert.equal(result.code, 0, result.stderr);
    });
});
