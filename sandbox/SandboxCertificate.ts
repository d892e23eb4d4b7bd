// tsyringe (a dependency of @peculiar/x509) throws at load time without a Reflect metadata polyfill.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import forge from 'node-forge';
import { X509Certificate, createHash, createPrivateKey, webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto);

/** An app registration's client certificate, made at run time: nothing secret is ever committed. */
export interface SandboxCertificate {
    readonly certPem: string;
    /** PKCS#8 PEM. */
    readonly keyPem: string;
    /** Upper-case hex SHA-1 of the DER certificate (what Entra ID and the portal show). */
    readonly thumbprintSha1: string;
    /** base64url SHA-1 and SHA-256 of the DER certificate: the `x5t` and `x5t#S256` assertion headers. */
    readonly x5t: string;
    readonly x5tS256: string;
    readonly notBefore: Date;
    readonly notAfter: Date;
}

/** How the certificate's Key Vault secret is shaped (Key Vault serves both content types). */
export interface CertificateSecretShape {
    readonly contentType: 'application/x-pkcs12' | 'application/x-pem-file';
    /** false: as for a certificate whose key policy is not exportable (no key in the secret). Default true. */
    readonly withPrivateKey?: boolean;
    /** A PKCS#12 (or PEM key) protected with this password; Key Vault's own exports use none. */
    readonly password?: string;
    /** PKCS#12 key encryption: '3des' (SHA1-3DES, the legacy default) or 'aes256' (PBES2). Default '3des'. */
    readonly algorithm?: '3des' | 'aes256';
}

const ALGORITHM = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;
const DAY_MS = 86_400_000;

/** A self-signed RSA 2048 certificate, as `az keyvault certificate create` makes with the default policy. */
export async function createSandboxCertificate(
    options: { subject?: string; validDays?: number; notBefore?: Date } = {},
): Promise<SandboxCertificate> {
    const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
    const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
    const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
    serial[0] = (serial[0] ?? 0) & 0x7f;
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: serial.toString('hex'),
        name: options.subject ?? 'CN=graph-users-sandbox',
        notBefore,
        notAfter: new Date(notBefore.getTime() + (options.validDays ?? 365) * DAY_MS),
        keys,
        signingAlgorithm: ALGORITHM,
        extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true)],
    });
    const der = Buffer.from(cert.rawData);
    // PEM files end with a newline, so that concatenated blocks stay parseable (as in Key Vault's PEM secrets).
    const keyPem = `${x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY').trimEnd()}\n`;
    return {
        certPem: `${cert.toString('pem').trimEnd()}\n`,
        keyPem,
        thumbprintSha1: createHash('sha1').update(der).digest('hex').toUpperCase(),
        x5t: createHash('sha1').update(der).digest('base64url'),
        x5tS256: createHash('sha256').update(der).digest('base64url'),
        notBefore: cert.notBefore,
        notAfter: cert.notAfter,
    };
}

/** The value Key Vault would hold in the certificate's secret, in the given shape. */
export function certificateSecretValue(certificate: SandboxCertificate, shape: CertificateSecretShape): string {
    const withKey = shape.withPrivateKey ?? true;
    if (shape.contentType === 'application/x-pem-file') {
        if (!withKey) return certificate.certPem;
        const key =
            shape.password === undefined
                ? certificate.keyPem
                : createPrivateKey(certificate.keyPem)
                      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: shape.password })
                      .toString();
        return `${key}${certificate.certPem}`;
    }
    const forgeCert = forge.pki.certificateFromPem(certificate.certPem);
    const forgeKey = withKey ? forge.pki.privateKeyFromPem(certificate.keyPem) : null;
    const asn1 = forge.pkcs12.toPkcs12Asn1(forgeKey, [forgeCert], shape.password ?? '', {
        algorithm: shape.algorithm ?? '3des',
        friendlyName: 'graph-client-certificate',
        generateLocalKeyId: true,
    });
    return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary').toString('base64');
}

/** Strings that must never appear in output for this certificate's key: the PEM, its base64 lines, its DER as base64. */
export function keyMaterialFingerprints(certificate: SandboxCertificate): string[] {
    const body = certificate.keyPem.split('\n').filter((line) => line !== '' && !line.startsWith('-----'));
    const der = createPrivateKey(certificate.keyPem).export({ type: 'pkcs8', format: 'der' }).toString('base64');
    const pkcs1 = createPrivateKey(certificate.keyPem).export({ type: 'pkcs1', format: 'der' }).toString('base64');
    return [certificate.keyPem, ...body, ...chunks(der), ...chunks(pkcs1)];
}

/** 64-character slices at fixed offsets: any leaked run of 128+ characters contains at least one. */
export function chunks(text: string, size = 64): string[] {
    const out: string[] = [];
    for (let i = 0; i + size <= text.length; i += size) out.push(text.slice(i, i + size));
    return out;
}

/** The certificate's public key, for verifying assertions. */
export function publicKeyOf(certificate: SandboxCertificate): CryptoKeyLike {
    return new X509Certificate(certificate.certPem).publicKey;
}

type CryptoKeyLike = ReturnType<typeof createPrivateKey>;
