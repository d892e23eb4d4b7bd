import { registerSensitiveValue } from '../errors/sanitizeText.js';
import type { ClientSecret, ClientSecretSource } from '../secret/ClientSecret.js';
import type { SecretPurpose } from '../secret/toSecretError.js';
import { aadstsCodeOf } from '../token/toTokenError.js';
import type { GraphCredential, GraphCredentialSource } from './GraphCredential.js';
import { parseCertificateSecret, type CertificateSecretContext, type ClientCertificate } from './parseCertificateSecret.js';

export const CERTIFICATE_PURPOSE: SecretPurpose = {
    nameSetting: 'GRAPH_CLIENT_CERTIFICATE_NAME',
    holds: 'the certificate and its private key',
    rotateCommand: 'rotate-certificate',
};

/**
 * Entra ID's "this key will not do" answers, which a certificate renewed in Key Vault can fix: 700027 key not
 * registered or expired, 700024 assertion outside its validity, 7000214 and 7000277 certificate revoked,
 * 1000502 certificate outside its validity window, 7000274 invalid signature. The same set on which
 * Microsoft.Identity.Web reloads certificates (TokenAcquisition.IsInvalidClientCertificateOrSignedAssertionError).
 */
const STALE_CERTIFICATE_CODES = new Set([700027, 700024, 7000214, 7000277, 1000502, 7000274]);

/** `keyVaultCertificate`: the certificate and private key from the Key Vault certificate's secret. */
export class KeyVaultCertificateCredentialSource implements GraphCredentialSource {
    readonly kind = 'keyVaultCertificate';
    readonly #secrets: ClientSecretSource;
    readonly #context: CertificateSecretContext;
    /** Parsing a PFX runs its key derivation: once per Key Vault version, not per call. */
    #parsed: { readonly secret: ClientSecret; readonly certificate: ClientCertificate } | undefined;

    constructor(secrets: ClientSecretSource, context: CertificateSecretContext) {
        this.#secrets = secrets;
        this.#context = context;
    }

    async getCredential(options: { readonly refresh?: boolean } = {}): Promise<GraphCredential> {
        const secret = await this.#secrets.getSecret(options);
        if (this.#parsed?.secret.value !== secret.value) this.#parsed = { secret, certificate: await this.#parse(secret) };
        return this.#credentialOf(secret, this.#parsed.certificate);
    }

    /** Not cached: read once, when a cold instance meets a version Entra ID does not accept yet. */
    async getEarlierCredential(newer: GraphCredential): Promise<GraphCredential | undefined> {
        if (newer.vaultVersion === undefined) return undefined;
        const secret = await this.#secrets.getEarlierSecret(newer.vaultVersion);
        return secret === undefined ? undefined : this.#credentialOf(secret, await this.#parse(secret));
    }

    async #parse(secret: ClientSecret): Promise<ClientCertificate> {
        const certificate = await parseCertificateSecret(secret, this.#context);
        registerSensitiveValue(certificate.privateKeyPem);
        return certificate;
    }

    #credentialOf(secret: ClientSecret, certificate: ClientCertificate): GraphCredential {
        const description = `certificate ${certificate.subject} (SHA-1 thumbprint ${certificate.thumbprintSha1}, Key Vault version ${secret.version}, expires ${certificate.notAfter.toISOString()})`;
        return {
            key: `${certificate.thumbprintSha256}:${secret.version}`,
            msal: {
                clientCertificate: {
                    thumbprintSha256: certificate.thumbprintSha256,
                    privateKey: certificate.privateKeyPem,
                    x5c: certificate.chainPem,
                },
            },
            vaultVersion: secret.version,
            facts: () => ({ kind: this.kind, description, thumbprintSha1: certificate.thumbprintSha1 }),
        };
    }

    isStaleCredentialError(error: unknown): boolean {
        const code = aadstsCodeOf(error);
        return code !== undefined && STALE_CERTIFICATE_CODES.has(code);
    }

    isPropagationError(): boolean {
        return false;
    }
}
