import { randomBytes } from 'node:crypto';
import { createIdentityHandler } from './identityHandler.js';
import type { RecordedRequest } from './RecordedRequest.js';
import type { SandboxState } from './SandboxState.js';
import { startServiceServer } from './ServiceServer.js';
import type { ServiceServer } from './ServiceServer.js';

export interface IdentityTarget {
    readonly state: SandboxState;
    readonly log: RecordedRequest[];
}

export interface SharedIdentityEndpoint {
    /** `http://127.0.0.1:PORT`; the endpoint path is `/msi/token`. */
    readonly origin: string;
    readonly header: string;
    /** Routes requests to `target` until the returned function is called. */
    attach(target: IdentityTarget): () => void;
}

let shared: Promise<SharedIdentityEndpoint> | undefined;

/**
 * The managed identity endpoint is one per process: MSAL Node picks its managed identity source
 * (IDENTITY_ENDPOINT and IDENTITY_HEADER) once per process and keeps it in a static field, so
 * every sandbox a process starts must answer on the same URL with the same header. Requests go
 * to the most recently attached sandbox that is still open.
 */
export function sharedIdentityEndpoint(): Promise<SharedIdentityEndpoint> {
    shared ??= create();
    return shared;
}

async function create(): Promise<SharedIdentityEndpoint> {
    const targets: IdentityTarget[] = [];
    const header = randomBytes(24).toString('base64url');
    const active = (): IdentityTarget | undefined => targets.at(-1);
    const handlers = new WeakMap<SandboxState, ReturnType<typeof createIdentityHandler>>();
    const server: ServiceServer = await startServiceServer({
        service: 'identity',
        log: () => active()?.log,
        handle: async (exchange) => {
            const target = active();
            if (target === undefined) {
                exchange.sendJson(503, { statusCode: 503, message: 'No sandbox is running in this process.' });
                return;
            }
            let handler = handlers.get(target.state);
            if (handler === undefined) {
                handler = createIdentityHandler(target.state);
                handlers.set(target.state, handler);
            }
            await handler(exchange);
        },
    });
    // Outlives every sandbox but must not keep the process alive.
    server.unref();
    return {
        origin: server.origin,
        header,
        attach(target) {
            targets.push(target);
            return () => {
                const index = targets.indexOf(target);
                if (index >= 0) targets.splice(index, 1);
                if (targets.length === 0) server.closeIdleConnections();
            };
        },
    };
}
