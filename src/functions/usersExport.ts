import { app } from '@azure/functions';
import { getExportRuntime } from '../runtime/getExportRuntime.js';
import { getRuntime } from '../runtime/getRuntime.js';
import { createUsersExportTimerHandler } from './handlers/createUsersExportTimerHandler.js';

app.timer('usersExport', {
    // Resolved by the host from the app setting, so the schedule changes without a deploy.
    schedule: '%USERS_EXPORT_SCHEDULE%',
    retry: { strategy: 'exponentialBackoff', maxRetryCount: 3, minimumInterval: { seconds: 30 }, maximumInterval: { minutes: 5 } },
    handler: createUsersExportTimerHandler(getRuntime, getExportRuntime),
});
