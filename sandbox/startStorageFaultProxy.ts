import { createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Azurite } from './startAzurite.js';

/** A plain-http proxy in front of Azurite that injects storage faults at the wire. */
export interface StorageFaultProxy {
    /** Azurite's connection string with the blob endpoint pointing at this proxy. */
    readonly connectionString: string;
    /** From the `afterBlocks`+1-th Put Block on, the next `count` Put Block requests get `status`. */
    failBlockUploads(afterBlocks: number, count: number, status: number): void;
    /** The next `count` writes of `latest.json` get 412 Precondition Failed (another writer won). */
    conflictManifestWrites(count: number): void;
    /** The next `count` reads of `latest.json` get `status` (e.g. 403: the identity lost its role). */
    failManifestReads(count: number, status: number): void;
    /** The next `count` downloads of a snapshot (an incremental run reading its base) get `status`. */
    failSnapshotReads(count: number, status: number): void;
    close(): Promise<void>;
}

/** Storage-shaped XML error bodies, so the SDK parses them as it would Azure's. */
function storageError(res: ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { 'content-type': 'application/xml', 'x-ms-error-code': code, 'x-ms-request-id': crypto.randomUUID() });
    res.end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

export async function startStorageFaultProxy(azurite: Azurite): Promise<StorageFaultProxy> {
    const upstream = new URL(azurite.blobEndpoint);
    let blocksSeen = 0;
    let blockFault = { after: Infinity, remaining: 0, status: 500 };
    let manifestConflicts = 0;
    let manifestReadFault = { remaining: 0, status: 500 };
    let snapshotReadFault = { remaining: 0, status: 500 };

    const handle = (req: IncomingMessage, res: ServerResponse): void => {
        const url = new URL(req.url ?? '/', upstream.origin);
        const isBlock = req.method === 'PUT' && url.searchParams.get('comp') === 'block';
        if (isBlock) blocksSeen += 1;
        if (isBlock && blocksSeen > blockFault.after && blockFault.remaining > 0) {
            blockFault.remaining -= 1;
            req.resume();
            storageError(res, blockFault.status, blockFault.status === 403 ? 'AuthorizationFailure' : 'InternalError', 'Injected fault.');
            return;
        }
        if (req.method === 'PUT' && url.pathname.endsWith('/latest.json') && manifestConflicts > 0) {
            manifestConflicts -= 1;
            req.resume();
            storageError(res, 412, 'ConditionNotMet', 'The condition specified using HTTP conditional header(s) is not met.');
            return;
        }
        if (req.method === 'GET' && url.pathname.endsWith('/latest.json') && manifestReadFault.remaining > 0) {
            manifestReadFault.remaining -= 1;
            req.resume();
            const { status } = manifestReadFault;
            storageError(res, status, status === 403 ? 'AuthorizationPermissionMismatch' : 'InternalError', 'Injected fault.');
            return;
        }
        if (req.method === 'GET' && url.pathname.includes('/snapshots/') && snapshotReadFault.remaining > 0) {
            snapshotReadFault.remaining -= 1;
            storageError(
                res,
                snapshotReadFault.status,
                snapshotReadFault.status === 403 ? 'AuthorizationFailure' : 'InternalError',
                'Injected fault.',
            );
            return;
        }
        const proxied = forward(
            { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
            (upstreamRes) => {
                res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
                upstreamRes.pipe(res);
            },
        );
        proxied.on('error', () => res.destroy());
        req.pipe(proxied);
    };

    const server = createServer(handle);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const proxyEndpoint = `http://127.0.0.1:${port}${upstream.pathname}`;
    return {
        connectionString: azurite.connectionString.replace(azurite.blobEndpoint, proxyEndpoint),
        failBlockUploads(afterBlocks, count, status) {
            blocksSeen = 0;
            blockFault = { after: afterBlocks, remaining: count, status };
        },
        conflictManifestWrites(count) {
            manifestConflicts = count;
        },
        failManifestReads(count, status) {
            manifestReadFault = { remaining: count, status };
        },
        failSnapshotReads(count, status) {
            snapshotReadFault = { remaining: count, status };
        },
        async close() {
            server.closeAllConnections();
            server.close();
            await once(server, 'close');
        },
    };
}
