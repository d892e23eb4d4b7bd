import type { FunctionCallback, HookCallback, HookName, ProgrammingModel, RpcFunctionMetadata } from './CoreApi.js';

export interface RegisteredFunction {
    readonly metadata: RpcFunctionMetadata;
    readonly callback: FunctionCallback;
}

/**
 * What the worker knows about the loaded app (the worker's AppContext): the programming model
 * the library set, the functions it registered, and its hooks.
 */
export class WorkerAppState {
    programmingModel: ProgrammingModel | undefined;
    readonly functions = new Map<string, RegisteredFunction>();
    readonly hooks: Readonly<Record<HookName, HookCallback[]>> = { appStart: [], appTerminate: [], preInvocation: [], postInvocation: [] };
    /** Hook data shared by every hook of the app. */
    readonly appHookData: Record<string, unknown> = {};
    /** Hook data of app-level hooks only (appStart, appTerminate). */
    readonly appLevelOnlyHookData: Record<string, unknown> = {};
    /** Set once the host has asked for the function metadata: no registration after that. */
    indexingLocked = false;
    /** The entry point file being imported, for `scriptFile`. */
    currentEntryPoint: string | undefined;

    hookList(name: string): HookCallback[] {
        if (!(name in this.hooks)) throw new RangeError(`Unrecognized hook "${name}"`);
        return this.hooks[name as HookName];
    }

    /** Runs the hooks of `name` in registration order, as the worker's executeHooks does. */
    async runHooks(name: HookName, context: Record<string, unknown>): Promise<void> {
        for (const callback of [...this.hooks[name]]) await callback(context);
    }
}
