export { startSandbox } from './startSandbox.js';
export type { Sandbox, SandboxCredential, SandboxOptions } from './startSandbox.js';
export { createSandboxCertificate, certificateSecretValue, keyMaterialFingerprints } from './SandboxCertificate.js';
export type { CertificateSecretShape, SandboxCertificate } from './SandboxCertificate.js';
export { createSandboxCa, issueServerCertificate, loadSandboxCa, writeSandboxCa } from './SandboxCa.js';
export type { SandboxCa, ServerCertificate } from './SandboxCa.js';
export { SandboxCounters } from './SandboxCounters.js';
export { DiscoveryFaults, GraphFaults, KeyVaultFaults, SandboxFaults, TokenFaults } from './SandboxFaults.js';
export type { RecordedRequest, SandboxService } from './RecordedRequest.js';
export { DEFAULT_USER_PROPERTIES, USER_PROPERTIES } from './SandboxUser.js';
export { SandboxDirectory } from './SandboxDirectory.js';
export type { UserStatus } from './SandboxDirectory.js';
export type { DeltaExpiryAnswer } from './SandboxDelta.js';
export type { SandboxUser, SandboxUserRecord, UserProperty } from './SandboxUser.js';
export { startAzurite } from './startAzurite.js';
export type { Azurite, AzuriteOptions } from './startAzurite.js';
export { startStorageFaultProxy } from './startStorageFaultProxy.js';
export { runTrustingSandboxCa } from './runTrustingSandboxCa.js';
export type { StorageFaultProxy } from './startStorageFaultProxy.js';
export {
    CallerTokens,
    SANDBOX_API_CLIENT_ID,
    SANDBOX_API_ROLE,
    SANDBOX_CALLER_APP_ID,
    SANDBOX_CALLER_USER_ID,
    SANDBOX_OTHER_TENANT_ID,
    SANDBOX_UNAUTHORIZED_APP_ID,
} from './CallerTokens.js';
export type { CallerTokenRequest } from './CallerTokens.js';
