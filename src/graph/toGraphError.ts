import { GraphError } from '../errors/errorClasses.js';

interface GraphErrorBody {
    readonly error?: {
        readonly code?: unknown;
        readonly message?: unknown;
        readonly innerError?: Record<string, unknown>;
        readonly innererror?: Record<string, unknown>;
    };
}

/** Maps a Graph error response to an error that says what to do, keeping Graph's request-id. */
export function toGraphError(
    status: number,
    bodyText: string,
    requestId: string | undefined,
    context: { readonly adminConsentUrl?: string | undefined },
): GraphError {
    let body: GraphErrorBody = {};
    try {
        body = JSON.parse(bodyText) as GraphErrorBody;
    } catch {
        // Not Graph's JSON shape (e.g. a gateway page): fall back to the status alone.
    }
    const graphCode = typeof body.error?.code === 'string' ? body.error.code : undefined;
    const graphMessage = typeof body.error?.message === 'string' ? body.error.message.slice(0, 500) : undefined;
    // Graph spells it both ways; the inner code is the more specific one (e.g. syncStateNotFound under a generic code).
    const inner = body.error?.innerError ?? body.error?.innererror;
    const innerId = inner?.['request-id'];
    const innerCode = inner?.code;
    const id = requestId ?? (typeof innerId === 'string' ? innerId : undefined);
    const base = {
        httpStatus: status,
        ...(graphCode === undefined ? {} : { graphCode }),
        ...(typeof innerCode === 'string' ? { graphInnerCode: innerCode } : {}),
        ...(id === undefined ? {} : { requestId: id }),
    };
    const said = `${status}${graphCode === undefined ? '' : ` ${graphCode}`}${graphMessage === undefined ? '' : `: ${graphMessage}`}`;

    if (status === 403 && (graphCode === 'Authorization_RequestDenied' || graphCode === undefined)) {
        return new GraphError(
            'GraphConsentMissing',
            `Microsoft Graph denied the request (${said}): admin consent missing for User.Read.All.`,
            {
                ...base,
                hint: `Grant the Microsoft Graph application permission User.Read.All to the app and grant admin consent${
                    context.adminConsentUrl === undefined ? '' : ` (an administrator can open ${context.adminConsentUrl})`
                }, or run the post-provision script as an administrator.`,
            },
        );
    }
    if (status === 401) {
        return new GraphError('GraphUnauthorized', `Microsoft Graph rejected a freshly issued token (${said}).`, {
            ...base,
            hint: 'GRAPH_ENDPOINT and AUTHORITY_HOST must belong to the same cloud, and the app must be in GRAPH_TENANT_ID.',
        });
    }
    if (status === 429) {
        return new GraphError('GraphThrottled', `Microsoft Graph kept throttling the request (${said}); retries exhausted.`, {
            ...base,
            status: 503,
            hint: 'Retry later; reduce the schedule frequency or page size if this persists.',
        });
    }
    if (status >= 500) {
        return new GraphError('GraphUnavailable', `Microsoft Graph is unavailable (${said}); retries exhausted.`, {
            ...base,
            hint: 'Retry later. Check https://status.cloud.microsoft or the service health page.',
        });
    }
    if (status === 400) {
        return new GraphError('GraphBadRequest', `Microsoft Graph rejected the request (${said}).`, base);
    }
    return new GraphError('GraphRequestFailed', `Microsoft Graph request failed (${said}).`, base);
}
