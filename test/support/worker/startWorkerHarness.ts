/**
 * The worker-mode harness: this test process stands where the Azure Functions Node language
 * worker stands, so the app runs the way it runs in Azure. Written from the worker's source,
 * Azure/azure-functions-nodejs-worker v3.9.1 (commit 2876343942423f1b18483d99bcd8461bd5297a9c,
 * branch v3.x), and @azure/functions 4.16.x's ProgrammingModel, InvocationModel and HTTP proxy.
 *
 * - `@azure/functions-core` is provided by intercepting `require` (installCoreModule), so the
 *   library runs in worker mode, not test mode.
 * - The app is loaded from package.json `main` (the built deployment entry, dist/bundle/app.js,
 *   globs allowed), ESM through `import()` (loadEntryPoint); appStart hooks run.
 * - `getCapabilities` starts the library's HTTP proxy (HttpUri); the host's function metadata
 *   request locks registration.
 * - `http()` routes a request like the host, sends the InvocationRequest (Headers, Query and
 *   route params as trigger metadata) and, at the same time, a real HTTP request to the proxy
 *   with `x-ms-invocation-id` and X-Forwarded-* (ProxyCaller), as a caller that reads, stalls or
 *   hangs up; the response is read with node:http, so it is what the proxy wrote. `flow` tells
 *   how much the response held in the worker.
 * - `timer()` sends a timer InvocationRequest with the host's TimerInfo typed data.
 * - Every log through the core API is in `logs`, including the library's "Unexpected call to
 *   'log' ... after function execution has completed" warning (`logs.lateLogWarnings()`).
 *
 * Not modelled: the host's own gates in front of the worker (function keys, Easy Auth, CORS).
 * The library keeps per-process state, so there is one harness (one app load) per test process;
 * node:test runs each test file in its own process.
 *
 * ```ts
 * const worker = await startWorkerHarness({ env: sandbox.settings });
 * const response = await worker.http({ path: '/api/users?top=5', headers: { accept: 'application/json' } });
 * await worker.close();
 * ```
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { WorkerCapabilities } from './CoreApi.js';
import { hygiene } from '../hygieneGuard.js';
import { hookContext } from './hookContext.js';
import { toHostFunctionMetadata, type HostFunctionMetadata } from './HostFunctionMetadata.js';
import { installCoreModule } from './installCoreModule.js';
import { loadEntryPoint } from './loadEntryPoint.js';
import { callProxy, type Caller, type CallerView } from './ProxyCaller.js';
import { NO_FLOW, ProxyServerProbe, type ResponseFlow } from './ProxyServerProbe.js';
import { routeRequest } from './routeRequest.js';
import { httpInvocationRequest, timerInvocationRequest, type TimerInput } from './rpcInvocationRequests.js';
import { runInvocation, type InvocationResult } from './runInvocation.js';
import { WorkerAppState } from './WorkerAppState.js';
import { WorkerLogs } from './WorkerLogs.js';

export type { Caller } from './ProxyCaller.js';
export type { HostFunctionMetadata } from './HostFunctionMetadata.js';
export type { ResponseFlow } from './ProxyServerProbe.js';
export type { TimerInput } from './rpcInvocationRequests.js';
export type { InvocationResult } from './runInvocation.js';
export type { WorkerLogRecord, WorkerLogs } from './WorkerLogs.js';

export interface WorkerHarnessOptions {
    /** The folder holding the app's package.json. Default: this repository (its built deployment entry). */
    readonly appDirectory?: string;
    /** App settings, put in process.env before the app loads (the host passes app settings as environment variables). */
    readonly env?: Readonly<Record<string, string>>;
    /** The public host name the caller used (X-Forwarded-Host). */
    readonly publicHost?: string;
    /** `coreApi.hostVersion`; HTTP streaming needs 4.28 or later. */
    readonly hostVersion?: string;
    /** Upper bound for one invocation and its caller, so a hang fails the test instead of stalling the suite. */
    readonly timeoutMs?: number;
}

export interface HttpCall {
    /** Default GET. */
    readonly method?: string;
    /** Path and query as the caller sent them, e.g. `/api/users?top=5`. */
    readonly path: string;
    /** The caller's request headers. */
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string | Buffer;
    /** Default: a caller that reads the whole body. */
    readonly caller?: Caller;
    /** Invoke this function whatever the host's routing says (e.g. a method its binding does not list). */
    readonly functionName?: string;
}

export interface ProxiedResponse extends CallerView {
    /** Undefined when the host's routing matched no function (404 from the host, nothing invoked). */
    readonly invocationId: string | undefined;
    readonly functionName: string | undefined;
    /** What the worker sent back over RPC; undefined when nothing was invoked. */
    readonly result: InvocationResult | undefined;
    /** How much response data the worker held (see ResponseFlow). */
    readonly flow: ResponseFlow;
    text(): string;
    /** The body parsed as JSON (a problem document or a page). */
    json(): Record<string, unknown>;
}

export interface WorkerHarness {
    /** The function metadata the host received. */
    readonly functions: readonly HostFunctionMetadata[];
    /** The capabilities the worker reported (HttpUri among them). */
    readonly capabilities: Readonly<WorkerCapabilities>;
    /** The files loaded from package.json `main`. */
    readonly entryPoint: readonly string[];
    readonly logs: WorkerLogs;
    http(call: HttpCall): Promise<ProxiedResponse>;
    timer(functionName: string, timer?: TimerInput): Promise<InvocationResult>;
    /** Runs appTerminate hooks and closes the proxy. */
    close(): Promise<void>;
}

const WORKER_VERSION = '3.9.1';
const DEFAULT_HOST_VERSION = '4.1037.0';
const REPOSITORY_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
// The worker's own capabilities (src/eventHandlers/getWorkerCapabilities.ts), before the model adds its own.
const WORKER_CAPABILITIES: WorkerCapabilities = {
    RawHttpBodyBytes: 'true',
    RpcHttpTriggerMetadataRemoved: 'true',
    RpcHttpBodyOnly: 'true',
    IgnoreEmptyValuedRpcHttpHeaders: 'true',
    UseNullableValueDictionaryForHttp: 'true',
    WorkerStatus: 'true',
    TypedDataCollection: 'true',
    HandlesWorkerTerminateMessage: 'true',
};

let loaded = false;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
            reject(new Error(`${what} did not finish within ${ms} ms.`));
        }, ms);
        timer.unref();
    });
    return Promise.race([promise, timeout]).finally(() => {
        clearTimeout(timer);
    });
}

function responseOf(view: CallerView, extra: Omit<ProxiedResponse, keyof CallerView | 'text' | 'json'>): ProxiedResponse {
    // Every answer a caller gets goes to the suite-wide hygiene guard (error answers: no internal identifier).
    hygiene.recordCallerResponse({
        status: view.status ?? 0,
        headers: Object.fromEntries(Object.entries(view.headers).map(([name, value]) => [name, String(value)])),
        body: view.body.toString('utf8'),
    });
    return {
        ...view,
        ...extra,
        text: () => view.body.toString('utf8'),
        json: () => JSON.parse(view.body.toString('utf8')) as Record<string, unknown>,
    };
}

export async function startWorkerHarness(options: WorkerHarnessOptions = {}): Promise<WorkerHarness> {
    if (loaded)
        throw new Error(
            'The app is already loaded in this process: @azure/functions keeps per-process state. Use one harness per test file.',
        );
    loaded = true;
    const appDirectory = options.appDirectory ?? REPOSITORY_ROOT;
    const publicHost = options.publicHost ?? 'graph-users.azurewebsites.net';
    const timeoutMs = options.timeoutMs ?? 120_000;
    Object.assign(process.env, options.env);

    const app = new WorkerAppState();
    const logs = new WorkerLogs();
    const uninstall = installCoreModule({
        app,
        logs,
        workerVersion: WORKER_VERSION,
        hostVersion: options.hostVersion ?? DEFAULT_HOST_VERSION,
    });
    const probe = new ProxyServerProbe();
    try {
        // WorkerInitRequest: load the app, run appStart hooks, report capabilities.
        const entryPoint = await loadEntryPoint(appDirectory, app);
        const model = app.programmingModel;
        if (model === undefined || app.functions.size === 0) {
            throw new Error('The app registered no function through @azure/functions-core: the library ran in test mode.');
        }
        await app.runHooks(
            'appStart',
            hookContext({ hookData: app.appLevelOnlyHookData, appHookData: app.appHookData }, { functionAppDirectory: appDirectory }),
        );
        const capabilities = await probe.capture(
            async () => (await model.getCapabilities?.({ ...WORKER_CAPABILITIES })) ?? WORKER_CAPABILITIES,
        );
        // FunctionsMetadataRequest: from now on nothing may register.
        app.indexingLocked = true;
        const functions = [...app.functions.values()].map((f) => toHostFunctionMetadata(f.metadata));

        const http = async (call: HttpCall): Promise<ProxiedResponse> => {
            const httpUri = capabilities.HttpUri;
            if (httpUri === undefined || !probe.captured) {
                throw new Error('The app did not enable HTTP streaming (no HttpUri): this harness drives HTTP through the proxy only.');
            }
            const method = call.method ?? 'GET';
            const routed =
                call.functionName === undefined
                    ? routeRequest(functions, method, call.path)
                    : { functionName: call.functionName, params: {} };
            const notInvoked = { invocationId: undefined, functionName: undefined, result: undefined, flow: NO_FLOW };
            if (routed === undefined) return responseOf({ status: 404, headers: {}, body: Buffer.alloc(0), complete: true }, notInvoked);
            const registered = app.functions.get(routed.functionName);
            if (registered === undefined) throw new Error(`No function named ${routed.functionName}.`);

            const invocationId = randomUUID();
            const headers = call.headers ?? {};
            const request = httpInvocationRequest(registered.metadata, {
                invocationId,
                method,
                url: new URL(call.path, `https://${publicHost}`),
                headers,
                params: routed.params,
            });
            const proxyCall = callProxy({
                httpUri,
                invocationId,
                method,
                path: call.path,
                headers,
                ...(call.body === undefined ? {} : { body: call.body }),
                publicHost,
                caller: call.caller ?? { kind: 'read' },
                requestReceived: probe.requestReceived(invocationId),
            });
            const what = `${method} ${call.path} (invocation ${invocationId})`;
            let result: InvocationResult;
            try {
                result = await withTimeout(runInvocation(app, logs, request), timeoutMs, what);
            } catch (error) {
                proxyCall.hangUp();
                throw error;
            }
            // The invocation has written everything it ever will. After a failure (or no response) the
            // host answers the caller itself and drops the proxied request; a stalled caller is measured
            // once its status line is in, then let go.
            let stalledFlow: ResponseFlow | undefined;
            if (result.error !== undefined || !probe.flow(invocationId).responded) {
                proxyCall.hangUp();
            } else if (call.caller?.kind === 'stall') {
                await withTimeout(proxyCall.head, timeoutMs, `the response head of ${what}`);
                stalledFlow = probe.flow(invocationId);
                proxyCall.hangUp();
            }
            const view = await withTimeout(proxyCall.view, timeoutMs, `the caller of ${what}`);
            const extra = { invocationId, functionName: routed.functionName, result, flow: stalledFlow ?? probe.flow(invocationId) };
            if (result.error !== undefined) return responseOf({ status: 500, headers: {}, body: Buffer.alloc(0), complete: true }, extra);
            return responseOf(view, extra);
        };

        const timer = async (functionName: string, input?: TimerInput): Promise<InvocationResult> => {
            const registered = app.functions.get(functionName);
            const isTimer = Object.values(registered?.metadata.bindings ?? {}).some((b) => b.type === 'timerTrigger');
            if (registered === undefined || !isTimer) throw new Error(`No timer function named ${functionName}.`);
            const invocationId = randomUUID();
            return withTimeout(
                runInvocation(app, logs, timerInvocationRequest(registered.metadata, invocationId, input)),
                timeoutMs,
                `timer ${functionName} (invocation ${invocationId})`,
            );
        };

        return {
            functions,
            capabilities,
            entryPoint,
            logs,
            http,
            timer,
            async close() {
                try {
                    await app.runHooks(
                        'appTerminate',
                        hookContext({ hookData: app.appLevelOnlyHookData, appHookData: app.appHookData }, {}),
                    );
                } finally {
                    await probe.close();
                    uninstall();
                }
            },
        };
    } catch (error) {
        await probe.close();
        uninstall();
        throw error;
    }
}
