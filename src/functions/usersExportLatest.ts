import { app } from '@azure/functions';
import { getExportRuntime } from '../runtime/getExportRuntime.js';
import { createExportLatestHttpHandler } from './handlers/createExportLatestHttpHandler.js';

app.http('usersExportLatest', {
    route: 'users/export/latest',
    methods: ['GET'],
    authLevel: 'function',
    handler: createExportLatestHttpHandler(async () => (await getExportRuntime()).store),
});
