import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RecordedRequest, SandboxService } from './RecordedRequest.js';
import type { ServerCertificate } from './SandboxCa.js';

type MutableRecord = { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] };

/** One request as a stand-in handler sees it; responses go through send() so the log gets the status. */
export class ServiceExchange {
    readonly req: IncomingMessage;
    readonly res: ServerResponse;
    readonly url: URL;
    readonly #record: MutableRecord;

    constructor(req: IncomingMessage, res: ServerResponse, origin: string, record: MutableRecord) {
        this.req = req;
        this.res = res;
        this.url = new URL(req.url ?? '/', origin);
        this.#record = record;
    }

    header(name: string): string | undefined {
        const value = this.req.headers[name];
        return Array.isArray(value) ? value[0] : value;
    }

    /** Writes the head only; for handlers that stream or cut the body themselves. */
    writeHead(status: number, headers: OutgoingHttpHeaders): void {
        this.#record.status = status;
        this.res.writeHead(status, headers);
    }

    send(status: number, body: string, headers: OutgoingHttpHeaders): void {
        this.writeHead(status, { 'content-length': Buffer.byteLength(body), ...headers });
        this.res.end(body);
    }

    sendJson(status: number, value: unknown, headers: OutgoingHttpHeaders = {}): void {
        this.send(status, JSON.stringify(value), { 'content-type': 'application/json; charset=utf-8', ...headers });
    }

    /** Reads the request body as UTF-8; rejects bodies over `limit` bytes. */
    async readBody(limit = 65_536): Promise<string | undefined> {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of this.req as AsyncIterable<Buffer>) {
            size += chunk.length;
            if (size > limit) return undefined;
            chunks.push(chunk);
        }
        return Buffer.concat(chunks).toString('utf8');
    }
}

export interface ServiceServer {
    /** `https://127.0.0.1:PORT` (or http for the identity endpoint). */
    readonly origin: string;
    close(): Promise<void>;
    /** Lets the process exit while the server still listens. */
    unref(): void;
    closeIdleConnections(): void;
}

export interface ServiceServerOptions {
    readonly service: SandboxService;
    /** Omit for plain http. */
    readonly certificate?: ServerCertificate;
    /** Where to log a request; undefined drops the record. */
    readonly log: () => RecordedRequest[] | undefined;
    readonly handle: (exchange: ServiceExchange) => Promise<void>;
}

/** Starts one stand-in on 127.0.0.1 with an ephemeral port; every request is logged before handling. */
export async function startServiceServer(options: ServiceServerOptions): Promise<ServiceServer> {
    const scheme = options.certificate ? 'https' : 'http';
    let origin = '';
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
        const record: MutableRecord = {
            service: options.service,
            host: req.headers.host ?? '',
            method: req.method ?? '',
            path: new URL(req.url ?? '/', origin).pathname,
            status: 0,
            hasAuthorization: req.headers.authorization !== undefined,
        };
        options.log()?.push(record);
        const exchange = new ServiceExchange(req, res, origin, record);
        options.handle(exchange).catch((error: unknown) => {
            // A stand-in bug must be visible, not a hung client.
            console.error(`[sandbox ${options.service}]`, error);
            if (!res.headersSent) exchange.sendJson(500, { error: { code: 'InternalServerError', message: 'Sandbox stand-in failure.' } });
            else res.destroy();
        });
    };
    const server: Server = options.certificate
        ? createHttpsServer({ cert: options.certificate.certPem, key: options.certificate.keyPem }, listener)
        : createHttpServer(listener);
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            resolve();
        });
    });
    origin = `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
        origin,
        unref: () => void server.unref(),
        closeIdleConnections: () => {
            server.closeIdleConnections();
        },
        close: () =>
            new Promise<void>((resolve) => {
                server.close(() => {
                    resolve();
                });
                server.closeAllConnections();
            }),
    };
}
