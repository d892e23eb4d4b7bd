import http from 'node:http';

/** What one proxied response did in the worker, seen from the proxy's own ServerResponse. */
export interface ResponseFlow {
    /** Whether the proxy started a response (headers) for this invocation. */
    readonly responded: boolean;
    /** Body bytes the library handed to `proxyRes.write`/`end`. */
    readonly producedBytes: number;
    /**
     * The most the response ever had queued in the worker process (`writableLength`: Node's
     * stream buffer plus libuv's write queue), sampled after every write: response data held in
     * the worker's memory because the reader was slower than the writer. Wire bytes: the status
     * line, headers and chunked-encoding framing count too.
     */
    readonly maxQueuedBytes: number;
    /** Queued at the time of reading (0 once everything reached the kernel). */
    readonly queuedBytes: number;
}

/** The flow of a request that never reached the worker. */
export const NO_FLOW: ResponseFlow = { responded: false, producedBytes: 0, maxQueuedBytes: 0, queuedBytes: 0 };

interface Observed {
    response: http.ServerResponse;
    producedBytes: number;
    maxQueuedBytes: number;
}

const INVOCATION_HEADER = 'x-ms-invocation-id';

function byteLength(chunk: unknown): number {
    if (typeof chunk === 'string') return Buffer.byteLength(chunk);
    if (chunk instanceof Uint8Array) return chunk.byteLength;
    return 0;
}

/**
 * Finds and watches the HTTP proxy server that `@azure/functions` starts in `getCapabilities`
 * (src/http/httpProxy.ts setupHttpProxy, which calls `http.createServer()`): the harness does not
 * own it, so it captures the instance while the library creates it. Per invocation it counts
 * the body bytes the library writes and samples how much stays queued (the library writes with
 * no drain wait: Azure/azure-functions-nodejs-library#294), and at the end it closes the server,
 * which the library never does (the worker process simply exits).
 */
export class ProxyServerProbe {
    #server: http.Server | undefined;
    readonly #observed = new Map<string, Observed>();
    readonly #waiting = new Map<string, () => void>();

    /** Runs `start` (the library's getCapabilities) and captures the one server it creates. */
    async capture<T>(start: () => Promise<T>): Promise<T> {
        const createServer = http.createServer;
        const servers: http.Server[] = [];
        http.createServer = ((...args: Parameters<typeof createServer>) => {
            const server = createServer(...args);
            servers.push(server);
            return server;
        }) as typeof createServer;
        let result: T;
        try {
            result = await start();
        } finally {
            http.createServer = createServer;
        }
        if (servers.length > 1) throw new Error(`getCapabilities created ${servers.length} HTTP servers; the harness expects one proxy.`);
        const server = servers[0];
        if (server !== undefined) this.#watch(server);
        return result;
    }

    get captured(): boolean {
        return this.#server !== undefined;
    }

    /** Resolves once the proxy has received the request of `invocationId`. */
    requestReceived(invocationId: string): Promise<void> {
        if (this.#observed.has(invocationId)) return Promise.resolve();
        return new Promise((resolve) => this.#waiting.set(invocationId, resolve));
    }

    flow(invocationId: string): ResponseFlow {
        const observed = this.#observed.get(invocationId);
        if (observed === undefined) return NO_FLOW;
        return {
            responded: observed.response.headersSent,
            producedBytes: observed.producedBytes,
            maxQueuedBytes: observed.maxQueuedBytes,
            queuedBytes: observed.response.writableLength,
        };
    }

    /** Destroys what a caller left open, then closes the server. */
    async close(): Promise<void> {
        const server = this.#server;
        if (server === undefined) return;
        this.#server = undefined;
        server.closeAllConnections();
        await new Promise<void>((resolve) => {
            server.close(() => {
                resolve();
            });
        });
    }

    #watch(server: http.Server): void {
        this.#server = server;
        // Registered after the library's own listener, which has already filed the request.
        server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
            const invocationId = request.headers[INVOCATION_HEADER];
            if (typeof invocationId !== 'string') return;
            const observed: Observed = { response, producedBytes: 0, maxQueuedBytes: 0 };
            this.#observed.set(invocationId, observed);
            // Observation only: count and sample around the library's writes, then delegate.
            const write = response.write.bind(response) as (...args: unknown[]) => boolean;
            const end = response.end.bind(response) as (...args: unknown[]) => http.ServerResponse;
            const sample = (): void => {
                observed.maxQueuedBytes = Math.max(observed.maxQueuedBytes, response.writableLength);
            };
            response.write = ((chunk: unknown, ...rest: unknown[]) => {
                observed.producedBytes += byteLength(chunk);
                const result = write(chunk, ...rest);
                sample();
                return result;
            }) as typeof response.write;
            response.end = ((...args: unknown[]) => {
                if (typeof args[0] !== 'function') observed.producedBytes += byteLength(args[0]);
                const result = end(...args);
                sample();
                return result;
            }) as typeof response.end;
            this.#waiting.get(invocationId)?.();
            this.#waiting.delete(invocationId);
        });
    }
}
