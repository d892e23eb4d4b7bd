import type { CoreInvocationContext, RpcInvocationRequest, RpcInvocationResponse } from './CoreApi.js';
import { hookContext } from './hookContext.js';
import type { WorkerAppState } from './WorkerAppState.js';
import type { WorkerLogs } from './WorkerLogs.js';

/** What the worker would send back to the host for one invocation. */
export interface InvocationResult {
    readonly invocationId: string;
    /** The RPC response on success (for HTTP with proxying: no return value; the body went through the proxy). */
    readonly response?: RpcInvocationResponse;
    /** Set when the invocation failed: the worker reports a failed status with this exception. */
    readonly error?: Error;
}

/**
 * One invocation as the worker runs it (src/eventHandlers/InvocationHandler.ts): the programming
 * model's InvocationModel gets the arguments, preInvocation hooks run, the function is invoked,
 * postInvocation hooks run, then the response is converted (for a proxied HTTP response, that is
 * when the library writes the body to the proxy). `state` follows the worker's: it is what lets
 * the library tell a log made after the function returned from one made in a hook.
 */
export async function runInvocation(app: WorkerAppState, logs: WorkerLogs, request: RpcInvocationRequest): Promise<InvocationResult> {
    const registered = app.functions.get(request.functionId);
    if (registered === undefined) throw new Error(`Function code for '${request.functionId}' is not loaded and cannot be invoked.`);
    const model = app.programmingModel;
    if (model === undefined) throw new Error('No programming model was set: @azure/functions ran in test mode.');
    const { metadata } = registered;
    const category = `${metadata.name}.Invocation`;
    const core: CoreInvocationContext = {
        invocationId: request.invocationId,
        request,
        metadata,
        log(level, logCategory, message) {
            logs.add({ invocationId: request.invocationId, category, level, logCategory, message });
        },
    };
    try {
        const invocationModel = await model.getInvocationModel(core);
        const { context, inputs } = await invocationModel.getArguments();
        const hookData: Record<string, unknown> = {};
        const shared = { hookData, appHookData: app.appHookData, invocationContext: context };

        const pre = hookContext(shared, { functionCallback: registered.callback, inputs });
        core.state = 'preInvocationHooks';
        try {
            await app.runHooks('preInvocation', pre);
        } finally {
            core.state = undefined;
        }

        const outcome: { result: unknown; error: unknown } = { result: null, error: null };
        const post = hookContext(shared, { inputs: pre.inputs, ...outcome });
        core.state = 'invocation';
        try {
            post.result = await invocationModel.invokeFunction(context, pre.inputs, pre.functionCallback);
        } catch (error) {
            post.error = error;
        } finally {
            core.state = undefined;
        }

        core.state = 'postInvocationHooks';
        try {
            await app.runHooks('postInvocation', post);
        } finally {
            core.state = undefined;
        }
        // Like the worker, only an Error fails the invocation (a hook may clear or replace it).
        if (post.error instanceof Error) throw post.error;
        return { invocationId: request.invocationId, response: await invocationModel.getResponse(context, post.result) };
    } catch (error) {
        return { invocationId: request.invocationId, error: error instanceof Error ? error : new Error(String(error)) };
    }
}
