import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { SecretError } from '../errors/errorClasses.js';
import type { ClientSecret } from '../secret/ClientSecret.js';
import { Pkcs12PasswordError, readPkcs12 } from './readPkcs12.js';

/** A certificate credential as MSAL takes it (`clientCertificate`), plus what may be shown about it. */
export interface ClientCertificate {
    /** Hex SHA-256 over the DER certificate: MSAL signs PS256 with an `x5t#S256` header from it. */
    readonly thumbprintSha256: string;
    /** Upper-case hex SHA-1, the form Entra ID names in AADSTS700027 and the portal lists. */
    readonly thumbprintSha1: string;
    /** The private key as PKCS#8 PEM. Never logged. */
    readonly privateKeyPem: string;
    /** The chain as PEM, the signing certificate first (MSAL sends it as `x5c`). */
    readonly chainPem: string;
    readonly subject: string;
    readonly notAfter: Date;
}

export interface CertificateSecretContext {
    readonly vaultUrl: string;
    readonly certificateName: string;
}

const PEM_CONTENT_TYPE = 'application/x-pem-file';
const PKCS12_CONTENT_TYPE = 'application/x-pkcs12';
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
const ROTATE = 'bash scripts/postprovision/graph-app.sh rotate-certificate';

/**
 * Reads a Key Vault certificate's secret (`GET {vault}/secrets/{name}`): PEM (`application/x-pem-file`) or
 * base64 PKCS#12 (`application/x-pkcs12`, Key Vault's default), certificate chain and private key.
 */
export async function parseCertificateSecret(secret: ClientSecret, context: CertificateSecretContext): Promise<ClientCertificate> {
    const where = `Certificate "${context.certificateName}" (Key Vault version ${secret.version}) in ${context.vaultUrl}`;
    const contentType = secret.contentType?.split(';')[0]?.trim().toLowerCase();
    const looksPem = secret.value.includes('-----BEGIN ');
    if (contentType !== undefined && contentType !== PEM_CONTENT_TYPE && contentType !== PKCS12_CONTENT_TYPE) {
        throw invalid(`${where} has content type "${contentType.slice(0, 40)}"; expected ${PKCS12_CONTENT_TYPE} or ${PEM_CONTENT_TYPE}.`);
    }
    const { certificates, privateKeys } =
        contentType === PEM_CONTENT_TYPE || (contentType === undefined && looksPem)
            ? readPem(secret.value, where)
            : await readPfx(secret.value, where);
    if (certificates.length === 0) throw invalid(`${where} holds no certificate.`);
    if (privateKeys.length === 0) {
        throw new SecretError('KeyVaultCertificateNoPrivateKey', `${where} holds no private key: its key is not exportable.`, {
            hint: `Create the certificate with an exportable key (policy keyProperties.exportable: true, e.g. \`az keyvault certificate create\` with the default policy), register its public part on the app registration and set GRAPH_CLIENT_CERTIFICATE_NAME to it: \`${ROTATE}\` does all three.`,
        });
    }
    for (const key of privateKeys) {
        const leaf = certificates.find((certificate) => certificate.checkPrivateKey(key));
        if (leaf === undefined) continue;
        if (key.asymmetricKeyType !== 'rsa') {
            throw invalid(
                `${where} has a ${key.asymmetricKeyType ?? 'non-RSA'} key; Entra ID client assertions are signed with RSA (PS256).`,
            );
        }
        const chain = [leaf, ...certificates.filter((c) => c !== leaf)];
        return {
            thumbprintSha256: leaf.fingerprint256.replaceAll(':', '').toLowerCase(),
            thumbprintSha1: leaf.fingerprint.replaceAll(':', '').toUpperCase(),
            privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
            chainPem: chain.map((c) => c.toString()).join(''),
            subject: leaf.subject.replaceAll('\n', ', '),
            notAfter: new Date(leaf.validTo),
        };
    }
    throw invalid(`${where}: no certificate in it matches its private key.`);
}

interface Material {
    readonly certificates: X509Certificate[];
    readonly privateKeys: KeyObject[];
}

function readPem(text: string, where: string): Material {
    const certificates: X509Certificate[] = [];
    const privateKeys: KeyObject[] = [];
    for (const match of text.matchAll(PEM_BLOCK)) {
        const label = match[1] ?? '';
        if (label === 'CERTIFICATE') certificates.push(parse(() => new X509Certificate(match[0]), where, 'a certificate'));
        else if (label === 'ENCRYPTED PRIVATE KEY' || match[0].includes('Proc-Type: 4,ENCRYPTED')) throw passwordProtected(where);
        else if (label.endsWith('PRIVATE KEY')) privateKeys.push(parse(() => createPrivateKey(match[0]), where, 'its private key'));
    }
    return { certificates, privateKeys };
}

async function readPfx(value: string, where: string): Promise<Material> {
    const der = Buffer.from(value.trim(), 'base64');
    if (der.length === 0 || der.toString('base64') !== value.trim().replace(/\s+/g, '')) {
        throw invalid(`${where} is not base64: a PKCS#12 secret holds the PFX file base64-encoded.`);
    }
    let contents;
    try {
        contents = await readPkcs12(der);
    } catch (error) {
        if (error instanceof Pkcs12PasswordError) throw passwordProtected(where);
        throw invalid(`${where}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return {
        certificates: contents.certificates.map((d) => parse(() => new X509Certificate(d), where, 'a certificate')),
        privateKeys: contents.privateKeys.map((d) =>
            parse(() => createPrivateKey({ key: d, format: 'der', type: 'pkcs8' }), where, 'its private key'),
        ),
    };
}

function parse<T>(read: () => T, where: string, what: string): T {
    try {
        return read();
    } catch {
        throw invalid(`${where}: ${what} could not be read.`);
    }
}

function invalid(message: string): SecretError {
    return new SecretError('KeyVaultCertificateInvalid', message, {
        hint: `Store a certificate with its RSA private key as ${PKCS12_CONTENT_TYPE} (base64 PFX, no password) or ${PEM_CONTENT_TYPE}; a Key Vault certificate does this by itself: \`${ROTATE}\`.`,
    });
}

function passwordProtected(where: string): SecretError {
    return new SecretError('KeyVaultCertificatePasswordProtected', `${where} is protected by a password; the app cannot open it.`, {
        hint: `Import it as a Key Vault certificate (Key Vault then keeps it without a password) with \`az keyvault certificate import --vault-name <vault> -n <name> -f cert.pfx --password <password>\` (not \`az keyvault secret set\`); or let Key Vault create one: \`${ROTATE}\`.`,
    });
}
