/** The deployed bundle in the worker with the managed identity as a federated credential: no secret, no Key Vault. */
import { describeWorkerCredential } from './fixtures/describeWorkerCredential.js';

describeWorkerCredential('managedIdentity');
