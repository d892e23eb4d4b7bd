import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ServerCertificate } from './SandboxCa.js';

export interface Azurite {
    /** Connection string for @azure/storage-blob (and USERS_EXPORT_STORAGE). */
    readonly connectionString: string;
    /** `http://127.0.0.1:PORT/devstoreaccount1` (https with `oauth`). */
    readonly blobEndpoint: string;
    /** Set when started with `services: 'all'`. */
    readonly queueEndpoint?: string;
    readonly tableEndpoint?: string;
    close(): Promise<void>;
}

export interface AzuriteOptions {
    /** How long to wait for Azurite to listen; default 30 s. */
    readonly startTimeoutMs?: number;
    /** `blob` (default) for the export; `all` adds queues and tables, as the Functions host's storage needs. */
    readonly services?: 'blob' | 'all';
    /**
     * Serve HTTPS with this certificate and accept Entra ID bearer tokens (`--oauth basic`: issuer,
     * audience and lifetime are checked, the signature is not), as Azure Storage does. Needed for
     * identity-based access and user delegation SAS, which Azurite refuses over http.
     */
    readonly oauth?: ServerCertificate;
}

const ACCOUNT = 'devstoreaccount1';
// Azurite's fixed development key, published in its documentation: not a secret.
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
/** `azurite-blob` says "listens on", the all-services `azurite` says "Blob service is ... listening at". */
const LISTENING = /(?:(Blob|Queue|Table) service is )?successfully listen(?:s on|ing at) (https?:\/\/127\.0\.0\.1:\d+)/;
type Service = 'Blob' | 'Queue' | 'Table';

/**
 * Starts Azurite's blob service from the npm package on an ephemeral loopback port, in memory.
 * The package's main is a VS Code extension, so its `azurite-blob` bin is run directly.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
    const all = options.services === 'all';
    const services: readonly Service[] = all ? ['Blob', 'Queue', 'Table'] : ['Blob'];
    const ports = services.flatMap((s) => [`--${s.toLowerCase()}Host`, '127.0.0.1', `--${s.toLowerCase()}Port`, '0']);
    const tls = options.oauth === undefined ? undefined : await writeCertificate(options.oauth);
    const child = spawn(
        process.execPath,
        [
            await azuriteBin(all ? 'azurite' : 'azurite-blob'),
            '--inMemoryPersistence',
            '--silent',
            '--disableTelemetry',
            '--skipApiVersionCheck',
            ...ports,
            ...(tls === undefined ? [] : ['--oauth', 'basic', '--cert', tls.cert, '--key', tls.key]),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-4000);
    });
    const close = async (): Promise<void> => {
        if (tls !== undefined) await rm(tls.dir, { recursive: true, force: true });
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
    };
    try {
        const origins = await waitForListening(child, services, options.startTimeoutMs ?? 30_000, () => stderr);
        const endpoint = (s: Service): string => `${origins.get(s) ?? ''}/${ACCOUNT}`;
        const blobEndpoint = endpoint('Blob');
        const more = all
            ? { queueEndpoint: endpoint('Queue'), tableEndpoint: endpoint('Table') }
            : ({} as { queueEndpoint?: string; tableEndpoint?: string });
        const extra = all ? `QueueEndpoint=${endpoint('Queue')};TableEndpoint=${endpoint('Table')};` : '';
        return {
            connectionString: `DefaultEndpointsProtocol=${tls === undefined ? 'http' : 'https'};AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};${extra}`,
            blobEndpoint,
            ...more,
            close,
        };
    } catch (error) {
        await close();
        throw error;
    }
}

/** Azurite reads the certificate from files: a private temporary folder, removed on close. */
async function writeCertificate(certificate: ServerCertificate): Promise<{ dir: string; cert: string; key: string }> {
    const dir = await mkdtemp(join(tmpdir(), 'azurite-tls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    await writeFile(cert, certificate.certPem, { mode: 0o600 });
    await writeFile(key, certificate.keyPem, { mode: 0o600 });
    return { dir, cert, key };
}

async function azuriteBin(name: 'azurite' | 'azurite-blob'): Promise<string> {
    const packageJson = createRequire(import.meta.url).resolve('azurite/package.json');
    const { bin } = JSON.parse(await readFile(packageJson, 'utf8')) as { bin: Record<string, string> };
    const relative = bin[name];
    if (relative === undefined) throw new Error(`The azurite package has no ${name} bin.`);
    return join(dirname(packageJson), relative);
}

function waitForListening(
    child: ReturnType<typeof spawn>,
    services: readonly Service[],
    timeoutMs: number,
    stderr: () => string,
): Promise<Map<Service, string>> {
    const origins = new Map<Service, string>();
    return new Promise<Map<Service, string>>((resolve, reject) => {
        if (child.stdout === null) {
            reject(new Error('Azurite has no stdout pipe.'));
            return;
        }
        // Keeps reading after the match, so Azurite never blocks on a full pipe.
        const lines = createInterface({ input: child.stdout });
        const fail = (message: string): void => {
            clearTimeout(timer);
            reject(new Error(`${message}\n${stderr()}`));
        };
        const timer = setTimeout(() => {
            fail(`Azurite did not listen within ${timeoutMs} ms.`);
        }, timeoutMs);
        lines.on('line', (line) => {
            const match = LISTENING.exec(line);
            if (match?.[2] === undefined) return;
            origins.set((match[1] as Service | undefined) ?? 'Blob', match[2]);
            if (origins.size < services.length) return;
            clearTimeout(timer);
            child.off('exit', onExit);
            resolve(origins);
        });
        const onExit = (code: number | null): void => {
            fail(`Azurite exited (code ${String(code)}) before listening.`);
        };
        child.once('exit', onExit);
        child.once('error', (error) => {
            fail(`Azurite could not start: ${error.message}`);
        });
    });
}
