/**
 * The shape of `@azure/functions-core`, the module the Node language worker provides to
 * `@azure/functions` at run time (it is not an npm package). Written from the worker's
 * `types-core/index.d.ts` (Azure/azure-functions-nodejs-worker v3.9.1, commit 2876343), only as far
 * as the harness and the library use it.
 */

export type RpcLogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';
export type RpcLogCategory = 'user' | 'system' | 'customMetric';
export type InvocationState = 'preInvocationHooks' | 'postInvocationHooks' | 'invocation';

export interface RpcDuration {
    readonly seconds?: number | null;
    readonly nanos?: number | null;
}

export interface RpcRetryOptions {
    readonly maxRetryCount?: number | null;
    readonly delayInterval?: RpcDuration | null;
    readonly minimumInterval?: RpcDuration | null;
    readonly maximumInterval?: RpcDuration | null;
    readonly retryStrategy?: 'exponentialBackoff' | 'fixedDelay' | null;
}

export interface RpcBindingInfo {
    readonly type?: string | null;
    readonly direction?: 'in' | 'out' | 'inout' | null;
    readonly dataType?: 'undefined' | 'string' | 'binary' | 'stream' | null;
    readonly [property: string]: unknown;
}

/** What `app.http`/`app.timer` hand to `registerFunction`. */
export interface FunctionMetadata {
    readonly name: string;
    readonly functionId?: string;
    readonly bindings: Readonly<Record<string, RpcBindingInfo>>;
    readonly retryOptions?: RpcRetryOptions;
}

export interface RpcHttpData {
    readonly method?: string | null;
    readonly url?: string | null;
    readonly headers?: Readonly<Record<string, string>> | null;
}

/** RPC typed data: exactly one member is set, as in the protobuf `oneof`. */
export interface RpcTypedData {
    readonly string?: string | null;
    readonly json?: string | null;
    readonly bytes?: Uint8Array | null;
    readonly http?: RpcHttpData | null;
    readonly int?: number | null;
    readonly double?: number | null;
}

export interface RpcParameterBinding {
    readonly name?: string | null;
    readonly data?: RpcTypedData | null;
}

export interface RpcInvocationRequest {
    readonly invocationId: string;
    readonly functionId: string;
    readonly inputData: readonly RpcParameterBinding[];
    readonly triggerMetadata: Readonly<Record<string, RpcTypedData>>;
    readonly traceContext?: { readonly traceParent?: string; readonly traceState?: string; readonly attributes?: Record<string, string> };
    readonly retryContext?: { readonly retryCount: number; readonly maxRetryCount: number };
}

export interface RpcInvocationResponse {
    readonly invocationId?: string | null;
    readonly outputData?: readonly RpcParameterBinding[] | null;
    readonly returnValue?: RpcTypedData | null;
}

/** The metadata the worker keeps per function and passes back in each CoreInvocationContext. */
export interface RpcFunctionMetadata extends FunctionMetadata {
    readonly functionId: string;
    readonly rawBindings: readonly string[];
    readonly scriptFile: string;
    readonly directory?: string;
}

export interface CoreInvocationContext {
    readonly invocationId: string;
    readonly request: RpcInvocationRequest;
    readonly metadata: RpcFunctionMetadata;
    state?: InvocationState;
    log(level: RpcLogLevel, category: RpcLogCategory, message: string): void;
}

export interface InvocationArguments {
    readonly context: unknown;
    readonly inputs: unknown[];
}

export type FunctionCallback = (...args: unknown[]) => unknown;

export interface InvocationModel {
    getArguments(): Promise<InvocationArguments>;
    invokeFunction(context: unknown, inputs: unknown[], callback: FunctionCallback): Promise<unknown>;
    getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

export type WorkerCapabilities = Record<string, string>;

export interface ProgrammingModel {
    readonly name: string;
    readonly version: string;
    getInvocationModel(coreContext: CoreInvocationContext): InvocationModel | Promise<InvocationModel>;
    getCapabilities?(defaultCapabilities: WorkerCapabilities): WorkerCapabilities | Promise<WorkerCapabilities>;
}

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation';
/** Hook contexts differ per hook; the library reads and writes their documented members. */
export type HookCallback = (context: Record<string, unknown>) => void | Promise<void>;

export interface Disposable {
    dispose(): void;
}

export interface CoreApi {
    readonly version: string;
    readonly hostVersion: string;
    registerHook(hookName: string, callback: HookCallback): Disposable;
    setProgrammingModel(programmingModel: ProgrammingModel): void;
    getProgrammingModel(): ProgrammingModel | undefined;
    log(level: RpcLogLevel, category: RpcLogCategory, message: string): void;
    registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable;
    readonly Disposable: new (callOnDispose: () => void) => Disposable;
}
