import type { HttpRequest } from '@azure/functions';
import { MethodNotAllowedError } from '../../errors/errorClasses.js';

/** The routes are registered for GET only; refuse anything else even if a host setting changes. */
export function assertGetRequest(request: HttpRequest): void {
    if (request.method !== 'GET' && request.method !== 'HEAD') throw new MethodNotAllowedError(request.method);
}
