import type { GraphCredentialKind } from '../config/CoreSettings.js';
import type { Environment } from '../config/readSettings.js';

// A variable, so bundlers and readers see this is a dev-only, on-demand load.
const SANDBOX_MODULE = '../../sandbox/index.js';

interface SandboxModule {
    runTrustingSandboxCa(args: readonly string[]): Promise<number>;
    loadSandboxCa(dir: string): Promise<unknown>;
    startSandbox(options: { userCount: number; ca: unknown; credential: GraphCredentialKind }): Promise<{
        readonly settings: Readonly<Record<string, string>>;
        close(): Promise<void>;
    }>;
    startAzurite(): Promise<{ readonly connectionString: string; readonly blobEndpoint: string; close(): Promise<void> }>;
}

export interface SandboxRunOptions {
    readonly userCount: number;
    /** The GRAPH_CREDENTIAL mode the sandbox's settings are for. */
    readonly credential: GraphCredentialKind;
    /** Also start an in-memory Azurite and point USERS_EXPORT_STORAGE at it. */
    readonly azurite: boolean;
}

/**
 * Runs a command against the offline sandbox. Node reads NODE_EXTRA_CA_CERTS only at start-up,
 * so the first pass writes a throwaway CA and re-runs this CLI with it trusted; production
 * code trusts the sandbox by no other means.
 */
export async function runWithSandbox(
    argv: readonly string[],
    options: SandboxRunOptions,
    run: (env: Environment) => Promise<number>,
): Promise<number> {
    const sandbox = (await import(SANDBOX_MODULE)) as SandboxModule;
    const caDir = process.env.SANDBOX_CA_DIR;
    if (caDir === undefined || process.env.NODE_EXTRA_CA_CERTS === undefined) {
        return sandbox.runTrustingSandboxCa([...process.execArgv, process.argv[1] ?? '', ...argv]);
    }
    const instance = await sandbox.startSandbox({
        userCount: options.userCount,
        ca: await sandbox.loadSandboxCa(caDir),
        credential: options.credential,
    });
    const azurite = options.azurite ? await sandbox.startAzurite() : undefined;
    try {
        // @azure/identity reads IDENTITY_ENDPOINT from process.env itself.
        Object.assign(process.env, instance.settings);
        if (azurite !== undefined) {
            process.env.USERS_EXPORT_STORAGE = azurite.connectionString;
            console.error(
                `Exporting to Azurite at ${azurite.blobEndpoint} (in memory: discarded when this command exits; use --to DIR to keep files).`,
            );
        }
        return await run(process.env);
    } finally {
        await azurite?.close();
        await instance.close();
    }
}
