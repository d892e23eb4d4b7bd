import functions, { type HttpResponseInit } from '@azure/functions';
import { functionKeyAuthorizer, type CallerAuthorizer } from '../../src/callerAuth/CallerAuthorizer.js';
import { createUsersHttpHandler } from '../../src/functions/handlers/createUsersHttpHandler.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime/createRuntime.js';
import type { Sandbox, SandboxOptions } from '../../sandbox/index.js';
import { hygiene } from './hygieneGuard.js';
import { startGuardedSandbox } from './startGuardedSandbox.js';
import { LogCapture } from './LogCapture.js';

/** Fast retries keep fault tests short; the production defaults are tested in unit tests. */
// @azure/functions is CommonJS; Node's ESM named-export detection misses these classes.
const { HttpRequest, InvocationContext } = functions;

export const fastRetry = { baseDelayMs: 5, maxDelayMs: 50, maxTotalMs: 10_000, requestTimeoutMs: 5_000 } as const;
/** AADSTS70021 retries in milliseconds instead of seconds; the production schedule is unit-tested. */
export const fastPropagationRetry = { attempts: 6, baseDelayMs: 5, maxDelayMs: 20 } as const;
/** A refused newer credential is tried again within a fraction of a second instead of 15 s to 2 minutes. */
export const fastNewCredentialRetry = { baseDelayMs: 50, maxDelayMs: 200 } as const;
/** Every retry schedule of the runtime, fast: spread into `createRuntime` options. */
export const fastRetries = {
    retry: fastRetry,
    propagationRetry: fastPropagationRetry,
    newCredentialRetry: fastNewCredentialRetry,
} as const;

export interface TestSandbox {
    readonly sandbox: Sandbox;
    readonly logs: LogCapture;
    /** A fresh runtime: a cold process as far as caches go. */
    newRuntime(options?: RuntimeOptions): Runtime;
    /**
     * Invokes the real HTTP handler with real HttpRequest/InvocationContext objects (Accept:
     * application/json unless given), in function-key mode unless an authorizer is given. The answer
     * goes to the hygiene guard, which checks error answers for the sandbox's internal identifiers.
     */
    invoke(
        query: string,
        runtime: Runtime,
        headers?: Readonly<Record<string, string>>,
        authorizer?: CallerAuthorizer,
    ): Promise<HttpResponseInit & { json: Record<string, unknown>; invocationId: string }>;
    close(): Promise<void>;
}

/** Unique across the sandboxes of a process, so a log line is found by its invocation id. */
let invocation = 0;

export async function startTestSandbox(options: SandboxOptions = {}, logs: LogCapture = new LogCapture()): Promise<TestSandbox> {
    const sandbox = await startGuardedSandbox(options);
    // @azure/identity's managed identity credential reads these from process.env itself.
    Object.assign(process.env, sandbox.settings);
    return {
        sandbox,
        logs,
        newRuntime: (runtimeOptions = {}) =>
            createRuntime(sandbox.settings, {
                ...fastRetries,
                logger: logs.logger('runtime'),
                ...runtimeOptions,
            }),
        async invoke(query, runtime, headers = { accept: 'application/json' }, authorizer = functionKeyAuthorizer) {
            invocation += 1;
            const request = new HttpRequest({
                method: 'GET',
                url: `https://localhost:7071/api/users${query === '' ? '' : `?${query}`}`,
                headers,
            });
            const context = new InvocationContext({
                invocationId: `test-${invocation}`,
                functionName: 'users',
                logHandler: logs.logHandler,
            });
            const response = await createUsersHttpHandler(
                () => runtime,
                () => authorizer,
            )(request, context);
            const json = (response.jsonBody ?? {}) as Record<string, unknown>;
            logs.capture(JSON.stringify(json));
            // Successful bodies were just checked for secrets; error answers also go to the internal-identifier check.
            if ((response.status ?? 200) >= 400) hygiene.recordHandlerResponse(response);
            return { ...response, json, invocationId: context.invocationId };
        },
        close: () => sandbox.close(),
    };
}
