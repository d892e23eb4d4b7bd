import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { app, type HttpFunctionOptions, type TimerFunctionOptions } from '@azure/functions';
import { httpAuthLevel } from '../../src/functions/handlers/httpAuthLevel.js';

// Stub the registrations BEFORE importing the function modules, to read back what they register.
const http = mock.method(app, 'http', () => undefined);
const timer = mock.method(app, 'timer', () => undefined);
await import('../../src/functions/users.js');
await import('../../src/functions/usersExport.js');
await import('../../src/functions/usersExportLatest.js');
await import('../../src/functions/usersExportLatestContent.js');

describe('function registration', () => {
    it('registers GET /api/users with function-level auth', () => {
        assert.equal(http.mock.callCount(), 3);
        const [name, options] = http.mock.calls[0]?.arguments as unknown as [string, HttpFunctionOptions];
        assert.equal(name, 'users');
        assert.equal(options.route, 'users');
        assert.deepEqual(options.methods, ['GET']);
        assert.equal(options.authLevel, 'function');
        assert.equal(typeof options.handler, 'function');
    });

    it('registers GET /api/users/export/latest with function-level auth', () => {
        const [name, options] = http.mock.calls[1]?.arguments as unknown as [string, HttpFunctionOptions];
        assert.equal(name, 'usersExportLatest');
        assert.equal(options.route, 'users/export/latest');
        assert.deepEqual(options.methods, ['GET']);
        assert.equal(options.authLevel, 'function');
        assert.equal(typeof options.handler, 'function');
    });

    it('registers GET /api/users/export/latest/content with function-level auth', () => {
        const [name, options] = http.mock.calls[2]?.arguments as unknown as [string, HttpFunctionOptions];
        assert.equal(name, 'usersExportLatestContent');
        assert.equal(options.route, 'users/export/latest/content');
        assert.deepEqual(options.methods, ['GET']);
        assert.equal(options.authLevel, 'function');
    });

    it('with API_AUDIENCE set, the token is the credential: every route takes no function key', () => {
        assert.equal(httpAuthLevel({ API_AUDIENCE: 'a,api://a' }), 'anonymous');
        assert.equal(httpAuthLevel({ API_AUDIENCE: '  ' }), 'function', 'blank is unset');
        assert.equal(httpAuthLevel({}), 'function');
    });

    it('registers the timer on %USERS_EXPORT_SCHEDULE% with a retry policy', () => {
        assert.equal(timer.mock.callCount(), 1);
        const [name, options] = timer.mock.calls[0]?.arguments as unknown as [string, TimerFunctionOptions];
        assert.equal(name, 'usersExport');
        assert.equal(options.schedule, '%USERS_EXPORT_SCHEDULE%');
        assert.equal(options.retry?.strategy, 'exponentialBackoff');
        assert.ok(options.retry.maxRetryCount > 0);
        assert.equal(typeof options.handler, 'function');
    });

    it('imports without settings and without I/O: configuration is validated on first use', () => {
        assert.equal(process.env.GRAPH_TENANT_ID, undefined);
    });
});
