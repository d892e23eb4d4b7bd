import type { HttpResponseInit } from '@azure/functions';
import type { AppError } from '../../errors/AppError.js';
import { bearerChallenge } from './bearerChallenge.js';
import { publicErrorDetail } from './publicErrorDetail.js';

/**
 * RFC 9457 problem details with what a caller may know: the status, the code, a generic title, the
 * detail written for callers (publicErrorDetail), Graph's request id and the invocation id. Never a
 * message or hint meant for operators, a stack trace, a secret or a token.
 */
export function toProblemResponse(error: AppError, invocationId: string): HttpResponseInit {
    const headers: Record<string, string> = { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store' };
    if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
    else if (error.status === 503) headers['Retry-After'] = '30';
    const challenge = bearerChallenge(error);
    if (challenge !== undefined) headers['WWW-Authenticate'] = challenge;
    return {
        status: error.status,
        headers,
        jsonBody: {
            // A stable identifier per error code (RFC 9457 allows non-dereferenceable URIs); docs/troubleshooting.md explains each.
            type: `urn:graph-users:error:${error.code}`,
            title: titleFor(error.status),
            status: error.status,
            code: error.code,
            detail: publicErrorDetail(error),
            ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
            invocationId,
        },
    };
}

function titleFor(status: number): string {
    if (status === 400) return 'Bad request';
    if (status === 401) return 'Unauthorized';
    if (status === 403) return 'Forbidden';
    if (status === 404) return 'Not found';
    if (status === 405) return 'Method not allowed';
    if (status === 406) return 'Not acceptable';
    if (status === 409) return 'Conflict';
    if (status === 502) return 'Microsoft Graph error';
    if (status === 503) return 'Dependency unavailable';
    return 'Server error';
}
