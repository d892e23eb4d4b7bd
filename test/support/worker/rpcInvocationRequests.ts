import { randomBytes, randomUUID } from 'node:crypto';
import type { RpcFunctionMetadata, RpcInvocationRequest, RpcTypedData } from './CoreApi.js';

/** The timer state the host passes (the WebJobs TimerInfo). */
export interface TimerInput {
    readonly isPastDue?: boolean;
    readonly adjustForDST?: boolean;
    /** ISO date-times of the schedule monitor's last and next occurrence. */
    readonly last?: string;
    readonly next?: string;
}

const json = (value: unknown): RpcTypedData => ({ json: JSON.stringify(value) });

function triggerBindingName(metadata: RpcFunctionMetadata): string {
    const entry = Object.entries(metadata.bindings).find(
        ([, binding]) => binding.direction === 'in' && /trigger$/i.test(binding.type ?? ''),
    );
    if (entry === undefined) throw new Error(`Function ${metadata.name} has no trigger binding.`);
    return entry[0];
}

/** `sys` binding data the host adds to every invocation. */
function sys(metadata: RpcFunctionMetadata): RpcTypedData {
    return json({ MethodName: metadata.name, UtcNow: new Date().toISOString(), RandGuid: randomUUID() });
}

/** A W3C traceparent like the one the host forwards, with the function name as the operation. */
function traceContext(metadata: RpcFunctionMetadata): NonNullable<RpcInvocationRequest['traceContext']> {
    return {
        traceParent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
        traceState: '',
        attributes: { OperationName: metadata.name },
    };
}

function retryContext(metadata: RpcFunctionMetadata): Pick<RpcInvocationRequest, 'retryContext'> {
    const max = metadata.retryOptions?.maxRetryCount;
    return typeof max === 'number' ? { retryContext: { retryCount: 0, maxRetryCount: max } } : {};
}

export interface HttpInvocationInput {
    readonly invocationId: string;
    readonly method: string;
    /** The public URL the caller used. */
    readonly url: URL;
    readonly headers: Readonly<Record<string, string>>;
    /** Route parameters, from the route template. */
    readonly params: Readonly<Record<string, string>>;
}

/**
 * The InvocationRequest the host sends for an HTTP trigger with HTTP proxying: the binding data
 * as trigger metadata, `Headers` and `Query` as JSON and each route parameter as a string
 * (azure-functions-host ScriptInvocationContextExtensions.ToRpcInvocationRequest and
 * GrpcMessageConversionExtensions.ToRpc). The library reads headers and params from here and
 * the body and URL from the proxied request (src/http/HttpRequest.ts createStreamRequest).
 */
export function httpInvocationRequest(metadata: RpcFunctionMetadata, input: HttpInvocationInput): RpcInvocationRequest {
    const headers = { ...input.headers, host: input.url.host };
    const http = { method: input.method, url: input.url.toString(), headers };
    const params: Record<string, RpcTypedData> = {};
    for (const [name, value] of Object.entries(input.params)) params[name] = { string: value };
    return {
        invocationId: input.invocationId,
        functionId: metadata.functionId,
        inputData: [{ name: triggerBindingName(metadata), data: { http } }],
        triggerMetadata: {
            ...params,
            Headers: json(headers),
            Query: json(Object.fromEntries(input.url.searchParams)),
            $request: { http },
            sys: sys(metadata),
        },
        traceContext: traceContext(metadata),
        ...retryContext(metadata),
    };
}

/**
 * The InvocationRequest for a timer trigger: TimerInfo serialised by the host's Newtonsoft
 * defaults (PascalCase), which the library camel-cases (src/InvocationModel.ts getArguments).
 */
export function timerInvocationRequest(metadata: RpcFunctionMetadata, invocationId: string, timer: TimerInput = {}): RpcInvocationRequest {
    const now = Date.now();
    const info = json({
        Schedule: { AdjustForDST: timer.adjustForDST ?? true },
        ScheduleStatus: {
            Last: timer.last ?? new Date(now - 6 * 3600_000).toISOString(),
            Next: timer.next ?? new Date(now + 6 * 3600_000).toISOString(),
            LastUpdated: new Date(now).toISOString(),
        },
        IsPastDue: timer.isPastDue ?? false,
    });
    const trigger = triggerBindingName(metadata);
    return {
        invocationId,
        functionId: metadata.functionId,
        inputData: [{ name: trigger, data: info }],
        triggerMetadata: { [trigger]: info, sys: sys(metadata) },
        traceContext: traceContext(metadata),
        ...retryContext(metadata),
    };
}
