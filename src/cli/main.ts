#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { AppError } from '../errors/AppError.js';
import { ensureErrorType } from '../errors/ensureErrorType.js';
import { consoleLogger } from '../logging/consoleLogger.js';
import { runCommand, type CliCommand } from './runCommand.js';
import { runWithSandbox } from './runWithSandbox.js';
import { settingDefinitions } from '../config/settingDefinitions.js';
import type { GraphCredentialKind } from '../config/CoreSettings.js';

/** The values of --credential are exactly GRAPH_CREDENTIAL's, read from the settings registry. */
const CREDENTIAL_KINDS: readonly string[] = settingDefinitions.find((d) => d.name === 'GRAPH_CREDENTIAL')?.choices ?? [];
const isCredentialKind = (value: string): value is GraphCredentialKind => CREDENTIAL_KINDS.includes(value);

const usage = `Usage:
  graph-users list [--top N] [--select a,b] [--all] [--sandbox [--users N] [--credential MODE]]
  graph-users export [--to DIR] [--full] [--sandbox [--users N] [--credential MODE]]

Reads the same settings as the functions (GRAPH_TENANT_ID, GRAPH_CLIENT_ID, KEY_VAULT_URL, ...)
from the environment. --sandbox starts the offline sandbox and points the settings at it;
--credential picks the GRAPH_CREDENTIAL it is set up for: keyVaultSecret (default),
keyVaultCertificate or managedIdentity.
list prints users to stdout as NDJSON, one per line; diagnostics go to stderr.
export writes one snapshot (snapshots/YYYY/MM/DD/<run-id>.ndjson[.gz]) and latest.json to the
configured storage (USERS_EXPORT_STORAGE...), or to folder DIR with --to; with --sandbox and no
--to, to an in-memory Azurite that is discarded on exit. It prints the manifest to stdout.
A later export to the same place reads only the changes since the last one (Graph delta
query); --full reads the whole directory instead. Progress goes to stderr.`;

async function main(argv: readonly string[]): Promise<number> {
    let parsed;
    try {
        parsed = parseArgs({
            args: [...argv],
            allowPositionals: true,
            strict: true,
            options: {
                top: { type: 'string' },
                select: { type: 'string' },
                all: { type: 'boolean', default: false },
                sandbox: { type: 'boolean', default: false },
                users: { type: 'string' },
                credential: { type: 'string' },
                to: { type: 'string' },
                full: { type: 'boolean', default: false },
                help: { type: 'boolean', short: 'h', default: false },
            },
        });
    } catch (error) {
        console.error(`${(error as Error).message}\n\n${usage}`);
        return 2;
    }
    const { values, positionals } = parsed;
    const name = positionals[0];
    if (values.help || name === undefined) {
        console.error(usage);
        return values.help ? 0 : 2;
    }
    if (name !== 'list' && name !== 'export') {
        console.error(`Unknown command "${name}".\n\n${usage}`);
        return 2;
    }
    if (name === 'list' && (values.to !== undefined || values.full)) {
        console.error(`${values.full ? '--full' : '--to'} applies to export only.\n\n${usage}`);
        return 2;
    }
    const command: CliCommand = {
        name,
        all: values.all,
        full: values.full,
        ...(values.to === undefined ? {} : { to: values.to }),
        ...(values.top === undefined ? {} : { top: values.top }),
        ...(values.select === undefined ? {} : { select: values.select }),
    };
    if (values.credential !== undefined && !values.sandbox) {
        console.error(`--credential applies to --sandbox only; set GRAPH_CREDENTIAL otherwise.\n\n${usage}`);
        return 2;
    }
    const credential = values.credential ?? 'keyVaultSecret';
    if (!isCredentialKind(credential)) {
        console.error(`--credential must be one of ${CREDENTIAL_KINDS.join(', ')}, got "${credential.slice(0, 40)}".`);
        return 2;
    }
    try {
        if (values.sandbox) {
            const users = values.users === undefined ? 1000 : Number(values.users);
            if (!Number.isInteger(users) || users < 0 || users > 10_000_000) {
                console.error('--users must be a whole number from 0 to 10000000.');
                return 2;
            }
            // Only an export to storage needs Azurite; --to writes to a folder.
            const azurite = name === 'export' && values.to === undefined;
            return await runWithSandbox(argv, { userCount: users, azurite, credential }, (env) => runCommand(command, env));
        }
        return await runCommand(command, process.env);
    } catch (thrown) {
        const error = ensureErrorType(thrown);
        consoleLogger.error(error instanceof AppError ? error.toLogString() : String(error));
        return error.code === 'ConfigurationInvalid' || error.code === 'BadRequest' ? 2 : 1;
    }
}

process.exitCode = await main(process.argv.slice(2));
