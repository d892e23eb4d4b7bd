import { app } from '@azure/functions';

// Lets the HTTP function stream NDJSON bodies instead of buffering them.
app.setup({ enableHttpStream: true });
