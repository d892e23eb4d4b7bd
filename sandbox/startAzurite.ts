import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

export interface Azurite {
    /** Connection string for @azure/storage-blob (and USERS_EXPORT_STORAGE). */
    readonly connectionString: string;
    /** `http://127.0.0.1:PORT/devstoreaccount1` */
    readonly blobEndpoint: string;
    close(): Promise<void>;
}

export interface AzuriteOptions {
    /** How long to wait for Azurite to listen; default 30 s. */
    readonly startTimeoutMs?: number;
}

const ACCOUNT = 'devstoreaccount1';
// Azurite's fixed development key, published in its documentation: not a secret.
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const LISTENING = /successfully listens on (http:\/\/127\.0\.0\.1:\d+)/;

/**
 * Starts Azurite's blob service from the npm package on an ephemeral loopback port, in memory.
 * The package's main is a VS Code extension, so its `azurite-blob` bin is run directly.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
    const child = spawn(
        process.execPath,
        [
            await azuriteBlobBin(),
            '--inMemoryPersistence',
            '--silent',
            '--disableTelemetry',
            '--skipApiVersionCheck',
            '--blobHost',
            '127.0.0.1',
            '--blobPort',
            '0',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-4000);
    });
    const close = async (): Promise<void> => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
    };
    try {
        const origin = await waitForListening(child, options.startTimeoutMs ?? 30_000, () => stderr);
        const blobEndpoint = `${origin}/${ACCOUNT}`;
        return {
            connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`,
            blobEndpoint,
            close,
        };
    } catch (error) {
        await close();
        throw error;
    }
}

async function azuriteBlobBin(): Promise<string> {
    const packageJson = createRequire(import.meta.url).resolve('azurite/package.json');
    const { bin } = JSON.parse(await readFile(packageJson, 'utf8')) as { bin: Record<string, string> };
    const relative = bin['azurite-blob'];
    if (relative === undefined) throw new Error('The azurite package has no azurite-blob bin.');
    return join(dirname(packageJson), relative);
}

function waitForListening(child: ReturnType<typeof spawn>, timeoutMs: number, stderr: () => string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
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
            if (match?.[1] === undefined) return;
            clearTimeout(timer);
            child.off('exit', onExit);
            resolve(match[1]);
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
