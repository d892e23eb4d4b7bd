import { app } from '@azure/functions';
import { getRuntime } from '../runtime/getRuntime.js';
import { createUsersHttpHandler } from './handlers/createUsersHttpHandler.js';

app.http('users', {
    route: 'users',
    methods: ['GET'],
    authLevel: 'function',
    handler: createUsersHttpHandler(getRuntime),
});
