/** Who called, from a verified Entra ID access token: what the audit line records. Never the token. */
export interface CallerIdentity {
    /** `oid`: the object id of the calling service principal or user. */
    readonly objectId: string | undefined;
    /** `appid` (v1 tokens) or `azp` (v2): the client application that asked for the token. */
    readonly appId: string;
    /** `tid`: always the configured tenant. */
    readonly tenantId: string;
    /** An application acting as itself (client credentials), or a user through an application. */
    readonly kind: 'application' | 'user';
    /** The app role that authorized the call (`API_REQUIRED_ROLE`); undefined when the token lacked it. */
    readonly role: string | undefined;
    /** `ver`: the access token version. */
    readonly tokenVersion: '1.0' | '2.0';
}
