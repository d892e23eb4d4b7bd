import { app } from '@azure/functions';
import { getCallerAuthorizer } from '../runtime/getCallerAuthorizer.js';
import { getExportRuntime } from '../runtime/getExportRuntime.js';
import { createExportLatestHttpHandler } from './handlers/createExportLatestHttpHandler.js';
import { httpAuthLevel } from './handlers/httpAuthLevel.js';

app.http('usersExportLatest', {
    route: 'users/export/latest',
    methods: ['GET'],
    authLevel: httpAuthLevel(process.env),
    handler: createExportLatestHttpHandler(async () => (await getExportRuntime()).store, getCallerAuthorizer),
});
