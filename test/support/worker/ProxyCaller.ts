import http from 'node:http';

/**
 * How the caller behind the host treats the response. The host (YARP) copies the worker proxy's
 * response to the caller with backpressure, so a caller that stops reading stops the host reading
 * from the proxy, and a caller that hangs up makes the host abort the proxied request
 * (azure-functions-host src/WebJobs.Script/Http/DefaultHttpProxyService.cs).
 */
export type Caller =
    /** Reads the whole body. */
    | { readonly kind: 'read' }
    /** Receives the status line and headers, then never reads a byte of the body. */
    | { readonly kind: 'stall' }
    /**
     * Hangs up: `beforeFirstByte` as soon as the proxy has the request, `midBody` after the first
     * body chunk. `onGone` runs at that moment (e.g. to snapshot the sandbox's counters).
     */
    | { readonly kind: 'disconnect'; readonly when: 'beforeFirstByte' | 'midBody'; readonly onGone?: () => void };

/** What the caller saw. */
export interface CallerView {
    /** Undefined when the caller left (or was cut off) before the status line. */
    readonly status: number | undefined;
    readonly headers: http.IncomingHttpHeaders;
    /** The body bytes the caller read. */
    readonly body: Buffer;
    /** True when the body arrived complete. */
    readonly complete: boolean;
}

export interface ProxyCallOptions {
    /** The proxy's `HttpUri` capability. */
    readonly httpUri: string;
    readonly invocationId: string;
    readonly method: string;
    /** Path and query, e.g. `/api/users?top=5`. */
    readonly path: string;
    /** The caller's request headers. */
    readonly headers: Readonly<Record<string, string>>;
    readonly body?: string | Buffer;
    /** The public host name the front end received (X-Forwarded-Host). */
    readonly publicHost: string;
    readonly caller: Caller;
    /** Resolves when the proxy has the request (see ProxyServerProbe.requestReceived). */
    readonly requestReceived: Promise<void>;
}

export interface ProxyCall {
    readonly view: Promise<CallerView>;
    /** Resolves when the status line and headers have arrived, or the call ended without them. */
    readonly head: Promise<void>;
    /** Ends the call now (a stalled caller, or the host giving up after a failed invocation). */
    hangUp(): void;
}

// Hop-by-hop headers YARP does not forward; Host is replaced by the proxy's own.
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection', 'host']);

/**
 * Sends the request the host sends to the worker's HTTP proxy: the caller's headers plus
 * `x-ms-invocation-id` (the host's HttpProxyCorrelationHeader) and YARP's default
 * X-Forwarded-For/-Proto/-Host (HttpTransformer.Default), which the library needs to rebuild
 * the public URL (src/http/HttpRequest.ts createStreamRequest). A real node:http client reads
 * the response, so the caller sees exactly what the proxy wrote.
 */
export function callProxy(options: ProxyCallOptions): ProxyCall {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers)) {
        if (!NOT_FORWARDED.has(name.toLowerCase())) headers[name] = value;
    }
    Object.assign(headers, {
        'x-forwarded-for': '203.0.113.7',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': options.publicHost,
        'x-ms-invocation-id': options.invocationId,
    });
    const request = http.request(new URL(options.path, options.httpUri), { method: options.method, headers, agent: false });
    const chunks: Buffer[] = [];
    let status: number | undefined;
    let responseHeaders: http.IncomingHttpHeaders = {};
    let complete = false;
    let settle: (() => void) | undefined;
    let headArrived: (() => void) | undefined;
    const head = new Promise<void>((resolve) => (headArrived = resolve));
    const view = new Promise<CallerView>((resolve) => {
        settle = () => {
            resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks), complete });
        };
    });
    const finish = (): void => {
        headArrived?.();
        settle?.();
        settle = undefined;
    };
    const hangUp = (): void => {
        request.destroy();
        finish();
    };
    const { caller } = options;
    const leave = (): void => {
        if (caller.kind === 'disconnect') caller.onGone?.();
        hangUp();
    };

    request.on('error', finish);
    request.on('close', finish);
    request.on('response', (response) => {
        status = response.statusCode;
        responseHeaders = response.headers;
        headArrived?.();
        // A stalled caller attaches no reader: the client stops pulling from the socket once its buffer is full.
        if (caller.kind === 'stall') return;
        response.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            if (caller.kind === 'disconnect' && caller.when === 'midBody') leave();
        });
        response.on('end', () => {
            complete = true;
            finish();
        });
        response.on('error', finish);
    });
    if (caller.kind === 'disconnect' && caller.when === 'beforeFirstByte') {
        void options.requestReceived.then(leave);
    }
    request.end(options.body);
    return { view, head, hangUp };
}
