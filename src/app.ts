// The function app's entry: every registration, in one module graph. scripts/bundle.ts bundles it
// into dist/bundle/app.js, which package.json `main` names and the Functions host loads.
import './index.js';
import './functions/users.js';
import './functions/usersExport.js';
import './functions/usersExportLatest.js';
import './functions/usersExportLatestContent.js';
