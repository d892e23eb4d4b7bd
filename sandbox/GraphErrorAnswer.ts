/** A Graph error as the stand-in sends it: `{"error":{"code","message","innerError":{...}}}`. */
export interface GraphErrorAnswer {
    readonly status: number;
    readonly code: string;
    readonly message: string;
    /** Sent as `innerError.code`, where Graph puts the more specific code. */
    readonly innerCode?: string;
    readonly headers?: Readonly<Record<string, string>>;
}
