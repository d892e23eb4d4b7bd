/**
 * MSAL's authority validation on the path the app really takes (GraphTokenProvider → MSAL → HTTPS), against the
 * sandbox: a host the app does not list as a loopback emulator is validated by instance discovery, so no
 * credential is sent to it, and the failure is a configuration error naming AUTHORITY_HOST, not an outage.
 *
 * No test may reach Azure: name resolution is replaced for this process, refusing every name but
 * addresses, `localhost` and `localhost.` (loopback, as RFC 6761 has it). MSAL's instance discovery request to
 * login.microsoftonline.com is therefore refused before a packet leaves, as it would be on a network that
 * cannot reach it; the guard records the names asked for.
 */
import assert from 'node:assert/strict';
import dns, { type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { after, before, describe, it, mock } from 'node:test';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { AppError } from '../../src/errors/AppError.js';
import { hygiene } from '../support/hygieneGuard.js';
import { LogCapture } from '../support/LogCapture.js';
import { createRuntime } from '../../src/runtime/createRuntime.js';
import { fastRetries, startTestSandbox, type TestSandbox } from '../support/startTestSandbox.js';

type LookupCallback = (error: NodeJS.ErrnoException | null, address?: string | LookupAddress[], family?: number) => void;

const lookedUp: string[] = [];
const realLookup = dns.lookup.bind(dns) as (hostname: string, options: unknown, callback?: LookupCallback) => void;
mock.method(dns, 'lookup', (hostname: string, options: unknown, callback?: LookupCallback) => {
    // Addresses and `localhost` (the sandbox listening) resolve as usual; no other name does.
    if (isIP(hostname) !== 0 || hostname === 'localhost') {
        realLookup(hostname, options, callback);
        return;
    }
    const done = (typeof options === 'function' ? options : callback) as LookupCallback;
    const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true;
    lookedUp.push(hostname);
    process.nextTick(() => {
        if (hostname === 'localhost.') {
            if (all) done(null, [{ address: '127.0.0.1', family: 4 }]);
            else done(null, '127.0.0.1', 4);
            return;
        }
        done(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (test guard: no network)`), { code: 'ENOTFOUND', hostname }));
    });
});

const logs = new LogCapture();
let t: TestSandbox;
let port: string;
before(async () => {
    t = await startTestSandbox({ userCount: 5 }, logs);
    port = new URL(t.sandbox.settings.AUTHORITY_HOST!).port;
});
after(() => t.close());

/** The error of the app's first token request with this AUTHORITY_HOST. */
async function tokenFailure(authorityHost: string): Promise<AppError> {
    const runtime = createRuntime(
        { ...t.sandbox.settings, AUTHORITY_HOST: authorityHost },
        { ...fastRetries, logger: logs.logger('runtime') },
    );
    const error = await runtime.tokens.getToken().then(
        () => assert.fail(`a token was issued through ${authorityHost}`),
        (e: unknown) => e,
    );
    hygiene.recordError(error);
    assert.ok(error instanceof AppError, String(error));
    logs.capture(error.toLogString());
    return error;
}

describe('MSAL authority validation (AUTHORITY_HOST)', () => {
    it('the sandbox answers an authority spelled `localhost.`: trusted, MSAL would send it the credential (the control)', async () => {
        t.sandbox.counters.reset();
        const app = new ConfidentialClientApplication({
            auth: {
                clientId: t.sandbox.clientId,
                authority: `https://localhost.:${port}/${t.sandbox.tenantId}`,
                knownAuthorities: [`localhost.:${port}`],
                clientSecret: 'not-the-client-secret',
            },
        });
        await assert.rejects(app.acquireTokenByClientCredential({ scopes: [`${t.sandbox.settings.GRAPH_ENDPOINT}/.default`] }), /7000215/);
        assert.equal(t.sandbox.counters.tokenRequests, 1, 'the credential reached the stand-in');
    });

    it('the app does not list `localhost.` as a loopback emulator: instance discovery refuses it, no credential is sent', async () => {
        t.sandbox.counters.reset();
        lookedUp.length = 0;
        const error = await tokenFailure(`https://localhost.:${port}`);
        assert.equal(t.sandbox.counters.tokenRequests, 0, 'no token request, so no credential, reached the host');
        assert.ok(lookedUp.includes('login.microsoftonline.com'), `instance discovery was asked: ${lookedUp.join(', ')}`);
        assert.equal(error.code, 'ConfigurationInvalid');
        assert.equal(error.status, 500);
        assert.match(error.message, /AUTHORITY_HOST \(https:\/\/localhost\.:\d+\) is not an Entra ID authority MSAL trusts/);
    });

    it('a mistyped Microsoft host: ConfigurationInvalid naming AUTHORITY_HOST, not retried, the host never contacted', async () => {
        lookedUp.length = 0;
        const error = await tokenFailure('https://login.microsoftonline.co');
        assert.equal(error.code, 'ConfigurationInvalid');
        assert.match(error.hint ?? '', /https:\/\/login\.microsoftonline\.com/);
        assert.ok(!lookedUp.includes('login.microsoftonline.co'), `the mistyped host was contacted: ${lookedUp.join(', ')}`);
        assert.equal(lookedUp.filter((h) => h === 'login.microsoftonline.com').length, 1, 'one discovery attempt: no retry');
    });

    it('Microsoft’s own login host, unreachable: an outage (TokenEndpointUnavailable, retried), not a configuration error', async () => {
        lookedUp.length = 0;
        const error = await tokenFailure('https://login.microsoftonline.com');
        assert.equal(error.code, 'TokenEndpointUnavailable');
        assert.ok(lookedUp.filter((h) => h === 'login.microsoftonline.com').length > 1, `retried: ${lookedUp.join(', ')}`);
    });
});
