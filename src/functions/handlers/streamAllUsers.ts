import { Readable } from 'node:stream';
import type { HttpResponseInit } from '@azure/functions';
import type { AppError } from '../../errors/AppError.js';
import { ensureErrorType } from '../../errors/ensureErrorType.js';
import { NotAcceptableError } from '../../errors/errorClasses.js';
import type { CallOptions } from '../../graph/GraphClient.js';
import type { UsersPage } from '../../graph/GraphUser.js';
import type { Logger } from '../../logging/Logger.js';
import { formatNdjson } from '../../ndjson/formatNdjson.js';
import type { UsersQuery } from '../../users/UsersQuery.js';
import { MAX_TOP } from '../../users/UsersQuery.js';
import type { UsersService } from '../../users/UsersService.js';
import { publicErrorDetail } from './publicErrorDetail.js';

const NDJSON_TYPE = 'application/x-ndjson';

/** How a stream ended, for the invocation summary. */
export interface StreamOutcome {
    readonly users: number;
    readonly pages: number;
    /** Set when the stream ended with an error line, or `StreamClosed` when the client left early. */
    readonly errorCode?: string;
}

export interface StreamAllUsersOptions {
    readonly users: UsersService;
    readonly query: UsersQuery;
    readonly accept: string | null;
    readonly call: CallOptions & { readonly logger: Logger };
    readonly invocationId: string;
    readonly onEnd: (outcome: StreamOutcome) => void;
}

/**
 * `GET /api/users?all=true` with `Accept: application/x-ndjson`: every user, one per line, page
 * by page as Graph returns them. The first page is read before answering, so failures up front
 * (consent, Key Vault, ...) are still problem+json with their status. After that the status is
 * sent, so a failure ends the body with one line `{"error":{"code","message","requestId"?,"invocationId"}}`:
 * a successful stream never contains an `error` line, and clients must check the last line.
 */
export async function streamAllUsers(options: StreamAllUsersOptions): Promise<HttpResponseInit> {
    const { query } = options;
    if (!acceptsNdjson(options.accept)) {
        throw new NotAcceptableError(`"all=true" streams NDJSON: send "Accept: ${NDJSON_TYPE}".`);
    }
    const pages = options.users.allPages(query.select, options.call, query.explicit.top ? query.top : MAX_TOP);
    const first = await pages.next();
    const body = ndjsonLines(first.done === true ? undefined : first.value, pages, options);
    return {
        status: 200,
        headers: { 'Content-Type': `${NDJSON_TYPE}; charset=utf-8`, 'Cache-Control': 'no-store' },
        // Byte mode with the default 16 KiB high-water mark: the next page is fetched only when the client has read this one.
        body: Readable.from(body, { objectMode: false }),
    };
}

async function* ndjsonLines(
    first: UsersPage | undefined,
    rest: AsyncGenerator<UsersPage>,
    options: StreamAllUsersOptions,
): AsyncGenerator<string> {
    let users = 0;
    let pages = 0;
    let errorCode: string | undefined = 'StreamClosed';
    try {
        for await (const page of first === undefined ? rest : prepend(first, rest)) {
            users += page.users.length;
            pages += 1;
            yield formatNdjson(page.users);
        }
        errorCode = undefined;
    } catch (thrown) {
        const error = ensureErrorType(thrown);
        errorCode = error.code;
        options.call.logger.error(`${error.toLogString()} (after ${users} users were streamed; invocationId ${options.invocationId})`);
        yield formatNdjson([errorLine(error, options.invocationId)]);
    } finally {
        options.onEnd({ users, pages, ...(errorCode === undefined ? {} : { errorCode }) });
    }
}

async function* prepend(first: UsersPage, rest: AsyncGenerator<UsersPage>): AsyncGenerator<UsersPage> {
    yield first;
    yield* rest;
}

function errorLine(error: AppError, invocationId: string): unknown {
    return {
        error: {
            code: error.code,
            message: publicErrorDetail(error),
            ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
            invocationId,
        },
    };
}

/** True when the Accept header lists application/x-ndjson with a non-zero quality. */
function acceptsNdjson(accept: string | null): boolean {
    if (accept === null) return false;
    return accept.split(',').some((range) => {
        const [type, ...parameters] = range.split(';').map((p) => p.trim().toLowerCase());
        const quality = parameters.find((p) => p.startsWith('q='));
        return type === NDJSON_TYPE && (quality === undefined || Number(quality.slice(2)) > 0);
    });
}
