/** The deployed bundle in the worker with a Key Vault certificate (PKCS#12, node-forge loaded on demand). */
import { describeWorkerCredential } from './fixtures/describeWorkerCredential.js';

describeWorkerCredential('keyVaultCertificate');
