import type { HttpRequest } from '@azure/functions';
import type { CallerAuthorizer } from '../../callerAuth/CallerAuthorizer.js';
import type { CallerIdentity } from '../../callerAuth/CallerIdentity.js';
import { CallerForbiddenError } from '../../errors/errorClasses.js';
import type { InvocationSummary } from './InvocationSummary.js';

/** Who called and how they were let in, for the invocation summary. Never the token. */
export class CallerAudit {
    #auth: CallerAuthorizer['mode'] | undefined;
    #caller: CallerIdentity | undefined;

    /** Authorizes the request first of all (401, 403 or 503 errors are thrown) and records the outcome. */
    async authorize(request: HttpRequest, getAuthorizer: () => CallerAuthorizer | Promise<CallerAuthorizer>): Promise<void> {
        const authorizer = await getAuthorizer();
        this.#auth = authorizer.mode;
        try {
            this.#caller = await authorizer.authorize(request.headers.get('authorization'));
        } catch (error) {
            // The token itself was valid: the audit names the caller that was refused.
            if (error instanceof CallerForbiddenError) this.#caller = error.caller;
            throw error;
        }
    }

    /** The summary's `auth` and `caller` fields. */
    fields(): Pick<InvocationSummary, 'auth' | 'caller'> {
        const caller = this.#caller;
        return {
            ...(this.#auth === undefined ? {} : { auth: this.#auth }),
            ...(caller === undefined
                ? {}
                : {
                      caller: {
                          oid: caller.objectId ?? null,
                          appId: caller.appId,
                          tid: caller.tenantId,
                          type: caller.kind,
                          role: caller.role ?? null,
                          tokenVersion: caller.tokenVersion,
                      },
                  }),
        };
    }
}
