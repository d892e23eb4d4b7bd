import Module from 'node:module';
import { basename, dirname } from 'node:path';
import type { CoreApi, FunctionCallback, FunctionMetadata, HookCallback, ProgrammingModel, RpcFunctionMetadata } from './CoreApi.js';
import type { WorkerAppState } from './WorkerAppState.js';
import type { WorkerLogs } from './WorkerLogs.js';

const CORE_MODULE = '@azure/functions-core';

class CoreDisposable {
    #callOnDispose: (() => void) | undefined;

    constructor(callOnDispose: () => void) {
        this.#callOnDispose = callOnDispose;
    }

    dispose(): void {
        const callOnDispose = this.#callOnDispose;
        this.#callOnDispose = undefined;
        callOnDispose?.();
    }
}

export interface CoreModuleOptions {
    readonly app: WorkerAppState;
    readonly logs: WorkerLogs;
    /** The worker version the library sees (`coreApi.version`). */
    readonly workerVersion: string;
    /** The host version (`coreApi.hostVersion`); the library needs >= 4.28 for HTTP streaming. */
    readonly hostVersion: string;
}

/**
 * Provides `@azure/functions-core` the way the worker does (src/setupCoreModule.ts): by
 * intercepting `require` of that name, so `@azure/functions` finds it and runs in worker mode
 * rather than test mode. Registration and hooks follow src/coreApi/registerFunction.ts and
 * src/hooks/registerHook.ts. Returns a function that removes the interception.
 */
export function installCoreModule(options: CoreModuleOptions): () => void {
    const { app, logs } = options;
    const coreApi: CoreApi = {
        version: options.workerVersion,
        hostVersion: options.hostVersion,
        registerHook(hookName: string, callback: HookCallback) {
            const hooks = app.hookList(hookName);
            hooks.push(callback);
            return new CoreDisposable(() => {
                const index = hooks.indexOf(callback);
                if (index > -1) hooks.splice(index, 1);
            });
        },
        setProgrammingModel(programmingModel: ProgrammingModel) {
            app.programmingModel = programmingModel;
        },
        getProgrammingModel: () => app.programmingModel,
        log(level, logCategory, message) {
            logs.add({ level, logCategory, message });
        },
        registerFunction(metadata: FunctionMetadata, callback: FunctionCallback) {
            if (app.indexingLocked) throw new Error('A function can only be registered during app startup.');
            const functionId = metadata.functionId ?? metadata.name;
            if (app.functions.has(functionId)) throw new Error(`A function with id "${functionId}" has already been registered.`);
            const entry = app.currentEntryPoint;
            const rpcMetadata: RpcFunctionMetadata = {
                ...metadata,
                functionId,
                // What the host actually reads: each binding as JSON, named by its key.
                rawBindings: Object.entries(metadata.bindings).map(([name, binding]) => JSON.stringify({ ...binding, name })),
                scriptFile: entry === undefined ? 'unknown' : basename(entry),
                ...(entry === undefined ? {} : { directory: dirname(entry) }),
            };
            app.functions.set(functionId, { metadata: rpcMetadata, callback });
            return new CoreDisposable(() => {
                if (app.indexingLocked) throw new Error('A function can only be disposed during app startup.');
                app.functions.delete(functionId);
            });
        },
        Disposable: CoreDisposable,
    };

    const prototype = Module.prototype as unknown as { require: (this: unknown, id: string) => unknown };
    const original = prototype.require;
    prototype.require = new Proxy(original, {
        apply(target, thisArg: unknown, args: [string]) {
            return args[0] === CORE_MODULE ? coreApi : Reflect.apply(target, thisArg, args);
        },
    });
    return () => {
        prototype.require = original;
    };
}
