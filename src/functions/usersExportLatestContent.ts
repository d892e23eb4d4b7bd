import { app } from '@azure/functions';
import { getCallerAuthorizer } from '../runtime/getCallerAuthorizer.js';
import { getExportRuntime } from '../runtime/getExportRuntime.js';
import { createExportContentHttpHandler } from './handlers/createExportContentHttpHandler.js';
import { httpAuthLevel } from './handlers/httpAuthLevel.js';

app.http('usersExportLatestContent', {
    route: 'users/export/latest/content',
    methods: ['GET'],
    authLevel: httpAuthLevel(process.env),
    handler: createExportContentHttpHandler(getExportRuntime, getCallerAuthorizer),
});
