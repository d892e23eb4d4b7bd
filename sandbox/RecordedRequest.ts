export type SandboxService = 'entra' | 'identity' | 'keyvault' | 'graph';

/** One request received by a stand-in. `status` is 0 until a response head was sent. */
export interface RecordedRequest {
    readonly service: SandboxService;
    /** The Host header as sent. */
    readonly host: string;
    readonly method: string;
    readonly path: string;
    readonly status: number;
    readonly hasAuthorization: boolean;
}
