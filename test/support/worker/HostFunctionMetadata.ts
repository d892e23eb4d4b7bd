import type { RpcDuration, RpcFunctionMetadata } from './CoreApi.js';

/** A binding as the host reads it from `rawBindings`. */
export interface HostBinding {
    readonly name: string;
    readonly type: string;
    readonly direction: string;
    readonly [property: string]: unknown;
}

/** The function metadata the host receives in the FunctionMetadataResponse. */
export interface HostFunctionMetadata {
    readonly name: string;
    readonly functionId: string;
    readonly scriptFile: string;
    readonly directory: string | undefined;
    /** Parsed from `rawBindings`: what the host actually uses (worker src/coreApi/registerFunction.ts). */
    readonly bindings: readonly HostBinding[];
    /** Only the RpcRetryOptions fields: protobuf drops anything else the library put there. */
    readonly retryOptions:
        | {
              readonly retryStrategy: string | undefined;
              readonly maxRetryCount: number | undefined;
              readonly minimumInterval: RpcDuration | undefined;
              readonly maximumInterval: RpcDuration | undefined;
              readonly delayInterval: RpcDuration | undefined;
          }
        | undefined;
}

function parseBinding(raw: string): HostBinding {
    const binding = JSON.parse(raw) as Record<string, unknown>;
    const { name, type, direction } = binding;
    if (typeof name !== 'string' || typeof type !== 'string' || typeof direction !== 'string') {
        throw new Error(`A raw binding lacks name, type or direction: ${raw}`);
    }
    return { ...binding, name, type, direction };
}

export function toHostFunctionMetadata(metadata: RpcFunctionMetadata): HostFunctionMetadata {
    const retry = metadata.retryOptions;
    return {
        name: metadata.name,
        functionId: metadata.functionId,
        scriptFile: metadata.scriptFile,
        directory: metadata.directory,
        bindings: metadata.rawBindings.map(parseBinding),
        retryOptions:
            retry === undefined
                ? undefined
                : {
                      retryStrategy: retry.retryStrategy ?? undefined,
                      maxRetryCount: retry.maxRetryCount ?? undefined,
                      minimumInterval: retry.minimumInterval ?? undefined,
                      maximumInterval: retry.maximumInterval ?? undefined,
                      delayInterval: retry.delayInterval ?? undefined,
                  },
    };
}
