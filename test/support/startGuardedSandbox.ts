import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/index.js';
import { hygiene } from './hygieneGuard.js';

/**
 * Starts a sandbox and tells the suite-wide hygiene guard about everything secret it makes or receives
 * (client secrets, issued tokens, private keys, certificate secrets and client assertions), and about the
 * internal identifiers of its configuration, which no error answer to a caller may name.
 */
export async function startGuardedSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
    const sandbox = await startSandbox(options);
    hygiene.registerForbidden(() => [...sandbox.secretHistory(), ...sandbox.issuedTokens(), ...sandbox.sensitiveValues()]);
    hygiene.registerInternal(() => sandbox.internalIdentifiers);
    return sandbox;
}
