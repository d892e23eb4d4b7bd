/** Live request counts of the stand-ins; tests read them and zero them with reset(). */
export class SandboxCounters {
    /** POSTs to the Entra token endpoint. */
    tokenRequests = 0;
    /** Token endpoint POSTs that issued a token. */
    tokenSuccesses = 0;
    /** All requests to the managed identity endpoint. */
    identityRequests = 0;
    /** Authorized GETs that returned a secret value. */
    keyVaultSecretReads = 0;
    /** All Key Vault requests, challenges included. */
    keyVaultRequests = 0;
    /** Token endpoint POSTs that carried a client assertion (certificate or federated). */
    assertionTokenRequests = 0;
    /** Assertions presented again (same jti) while still valid: Entra accepts that until `exp`. */
    assertionReuses = 0;
    /** Assertions presented at or after their `exp` (accepted within Entra's clock skew, but a client should not). */
    expiredAssertions = 0;
    /** Token requests refused because their client secret or certificate has not propagated yet (a rotation in progress). */
    unpropagatedCredentialRejections = 0;
    /** Token requests whose client secret or certificate Entra accepted: the newest one the app has, or an older one. */
    newestCredentialAccepted = 0;
    olderCredentialAccepted = 0;
    /** All Graph requests. */
    graphRequests = 0;
    /** Graph pages answered with 200. */
    graphPages = 0;
    /** GETs of the tenant's signing keys (`discovery/v2.0/keys`). */
    jwksRequests = 0;
    /** GETs of the tenant's OpenID metadata (`v2.0/.well-known/openid-configuration`). */
    openIdConfigurationRequests = 0;

    reset(): void {
        this.tokenRequests = 0;
        this.tokenSuccesses = 0;
        this.identityRequests = 0;
        this.keyVaultSecretReads = 0;
        this.keyVaultRequests = 0;
        this.assertionTokenRequests = 0;
        this.assertionReuses = 0;
        this.expiredAssertions = 0;
        this.unpropagatedCredentialRejections = 0;
        this.newestCredentialAccepted = 0;
        this.olderCredentialAccepted = 0;
        this.graphRequests = 0;
        this.graphPages = 0;
        this.jwksRequests = 0;
        this.openIdConfigurationRequests = 0;
    }
}
