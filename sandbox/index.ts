export { startSandbox } from './startSandbox.js';
export type { Sandbox, SandboxOptions } from './startSandbox.js';
export { createSandboxCa, issueServerCertificate, loadSandboxCa, writeSandboxCa } from './SandboxCa.js';
export type { SandboxCa, ServerCertificate } from './SandboxCa.js';
export { SandboxCounters } from './SandboxCounters.js';
export { GraphFaults, KeyVaultFaults, SandboxFaults, TokenFaults } from './SandboxFaults.js';
export type { RecordedRequest, SandboxService } from './RecordedRequest.js';
export { DEFAULT_USER_PROPERTIES, USER_PROPERTIES } from './SandboxUser.js';
export type { SandboxUser, SandboxUserRecord, UserProperty } from './SandboxUser.js';
