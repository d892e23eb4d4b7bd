import { app } from '@azure/functions';
import { getCallerAuthorizer } from '../runtime/getCallerAuthorizer.js';
import { getRuntime } from '../runtime/getRuntime.js';
import { createUsersHttpHandler } from './handlers/createUsersHttpHandler.js';
import { httpAuthLevel } from './handlers/httpAuthLevel.js';

app.http('users', {
    route: 'users',
    methods: ['GET'],
    authLevel: httpAuthLevel(process.env),
    handler: createUsersHttpHandler(getRuntime, getCallerAuthorizer),
});
