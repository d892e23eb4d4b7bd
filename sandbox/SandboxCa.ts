// tsyringe (a dependency of @peculiar/x509) throws at load time without a Reflect metadata polyfill.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

x509.cryptoProvider.set(webcrypto);

/** A throw-away certificate authority whose PEM file child processes trust via NODE_EXTRA_CA_CERTS. */
export interface SandboxCa {
    readonly certPem: string;
    readonly keyPem: string;
    /** Path of `ca.pem` on disk. */
    readonly certFile: string;
}

/** A TLS server certificate for 127.0.0.1, ::1 and localhost, signed by a SandboxCa. */
export interface ServerCertificate {
    readonly certPem: string;
    readonly keyPem: string;
}

const CA_CERT_FILE = 'ca.pem';
const CA_KEY_FILE = 'ca-key.pem';
const DAY_MS = 86_400_000;
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/**
 * Creates a new CA valid for one day and writes it to `dir`. Without `dir` it goes to a fresh temp
 * directory that is removed when this process exits (copy it with writeSandboxCa to keep it).
 */
export async function createSandboxCa(dir?: string): Promise<SandboxCa> {
    const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
    // Backdated a little so a slightly skewed clock in a child process still accepts it.
    const notBefore = new Date(Date.now() - 60_000);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: randomSerial(),
        name: 'CN=Graph Users Sandbox CA, O=Sandbox',
        notBefore,
        notAfter: new Date(notBefore.getTime() + DAY_MS),
        keys,
        signingAlgorithm: ALGORITHM,
        extensions: [
            new x509.BasicConstraintsExtension(true, 0, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
            await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        ],
    });
    const keyDer = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    const ca = {
        certPem: cert.toString('pem'),
        keyPem: x509.PemConverter.encode(keyDer, 'PRIVATE KEY'),
        certFile: '',
    };
    return writeSandboxCa(ca, dir ?? (await temporaryDirectory()));
}

async function temporaryDirectory(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-ca-'));
    process.once('exit', () => {
        rmSync(dir, { recursive: true, force: true });
    });
    return dir;
}

/** Writes `ca.pem` and `ca-key.pem` (mode 0600) into `dir`; returns the CA with `certFile` there. */
export async function writeSandboxCa(ca: SandboxCa, dir: string): Promise<SandboxCa> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const certFile = join(dir, CA_CERT_FILE);
    await writeFile(certFile, ca.certPem, { mode: 0o600 });
    await writeFile(join(dir, CA_KEY_FILE), ca.keyPem, { mode: 0o600 });
    return { certPem: ca.certPem, keyPem: ca.keyPem, certFile };
}

/** Loads a CA previously written by writeSandboxCa (e.g. from SANDBOX_CA_DIR). */
export async function loadSandboxCa(dir: string): Promise<SandboxCa> {
    const certFile = join(dir, CA_CERT_FILE);
    const [certPem, keyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(join(dir, CA_KEY_FILE), 'utf8')]);
    const cert = new x509.X509Certificate(certPem);
    if (cert.notAfter.getTime() < Date.now() + 60_000) {
        throw new Error(`The sandbox CA in ${dir} has expired (${cert.notAfter.toISOString()}); create a new one.`);
    }
    return { certPem, keyPem, certFile };
}

/** Issues a server leaf certificate for the loopback names, valid no longer than the CA. */
export async function issueServerCertificate(ca: SandboxCa): Promise<ServerCertificate> {
    const caCert = new x509.X509Certificate(ca.certPem);
    const caKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(ca.keyPem), ALGORITHM, false, ['sign']);
    const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
    const notBefore = new Date(Math.max(Date.now() - 60_000, caCert.notBefore.getTime()));
    const cert = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: 'CN=127.0.0.1',
        issuer: caCert.subject,
        notBefore,
        notAfter: caCert.notAfter,
        publicKey: keys.publicKey,
        signingKey: caKey,
        signingAlgorithm: ALGORITHM,
        extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
            new x509.SubjectAlternativeNameExtension([
                { type: 'ip', value: '127.0.0.1' },
                { type: 'ip', value: '::1' },
                { type: 'dns', value: 'localhost' },
            ]),
            await x509.AuthorityKeyIdentifierExtension.create(caCert),
        ],
    });
    const keyDer = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    return { certPem: cert.toString('pem'), keyPem: x509.PemConverter.encode(keyDer, 'PRIVATE KEY') };
}

function randomSerial(): string {
    const bytes = webcrypto.getRandomValues(new Uint8Array(16));
    bytes[0] = (bytes[0] ?? 0) & 0x7f; // positive INTEGER
    return Buffer.from(bytes).toString('hex');
}
