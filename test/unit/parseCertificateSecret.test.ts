/**
 * Reading a Key Vault certificate's secret: PEM and PKCS#12, with the keys and certificates made at run
 * time (the sandbox's generator, and OpenSSL for files as other tools write them, legacy RC2/3DES included).
 */
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseCertificateSecret } from '../../src/credentials/parseCertificateSecret.js';
import { AppError } from '../../src/errors/AppError.js';
import type { ClientSecret } from '../../src/secret/ClientSecret.js';
import {
    certificateSecretValue,
    createSandboxCertificate,
    keyMaterialFingerprints,
    type SandboxCertificate,
} from '../../sandbox/SandboxCertificate.js';
import { hygiene } from '../support/hygieneGuard.js';
import { locateOpenssl, requireTool, run } from '../infra/tools.js';

const PFX = 'application/x-pkcs12';
const PEM = 'application/x-pem-file';
const context = { vaultUrl: 'https://kv-test.vault.azure.net', certificateName: 'graph-client-certificate' };
const secret = (value: string, contentType: string | undefined): ClientSecret => ({ value, version: 'v1', contentType });

let certificate: SandboxCertificate;
let other: SandboxCertificate;
before(async () => {
    [certificate, other] = await Promise.all([createSandboxCertificate(), createSandboxCertificate({ subject: 'CN=other' })]);
    hygiene.registerForbidden(() => [...keyMaterialFingerprints(certificate), ...keyMaterialFingerprints(other)]);
});

async function expectCode(value: string, contentType: string | undefined, code: string): Promise<AppError> {
    try {
        await parseCertificateSecret(secret(value, contentType), context);
    } catch (error) {
        assert.ok(error instanceof AppError, String(error));
        assert.equal(error.code, code, error.message);
        hygiene.recordError(error);
        return error;
    }
    assert.fail(`expected ${code}`);
}

function assertIsCertificate(parsed: Awaited<ReturnType<typeof parseCertificateSecret>>, expected: SandboxCertificate): void {
    const x509 = new X509Certificate(expected.certPem);
    assert.equal(parsed.thumbprintSha256, x509.fingerprint256.replaceAll(':', '').toLowerCase());
    assert.equal(parsed.thumbprintSha1, expected.thumbprintSha1);
    const key = createPrivateKey(parsed.privateKeyPem);
    assert.ok(x509.checkPrivateKey(key));
    // PKCS#8: the form MSAL takes, whatever form the secret held.
    assert.equal(parsed.privateKeyPem, key.export({ type: 'pkcs8', format: 'pem' }).toString());
    assert.ok(parsed.chainPem.startsWith(x509.toString()), 'the signing certificate comes first in x5c');
    assert.equal(parsed.notAfter.getTime(), expected.notAfter.getTime());
}

describe('PKCS#12 (Key Vault default content type)', () => {
    for (const algorithm of ['3des', 'aes256'] as const) {
        it(`reads a PFX with an empty password, key encrypted with ${algorithm}, MAC verified`, async () => {
            const value = certificateSecretValue(certificate, { contentType: PFX, algorithm });
            assertIsCertificate(await parseCertificateSecret(secret(value, PFX), context), certificate);
        });
    }

    it('a PFX without its key (non-exportable key policy): KeyVaultCertificateNoPrivateKey with the fix', async () => {
        const error = await expectCode(
            certificateSecretValue(certificate, { contentType: PFX, withPrivateKey: false }),
            PFX,
            'KeyVaultCertificateNoPrivateKey',
        );
        assert.match(error.hint ?? '', /exportable/);
    });

    it('a PFX with a password: KeyVaultCertificatePasswordProtected with the fix', async () => {
        const error = await expectCode(
            certificateSecretValue(certificate, { contentType: PFX, password: 'correct horse' }),
            PFX,
            'KeyVaultCertificatePasswordProtected',
        );
        assert.match(error.hint ?? '', /az keyvault certificate import/);
    });

    it('not base64, or base64 that is not a PFX: KeyVaultCertificateInvalid', async () => {
        await expectCode('%%% not base64 %%%', PFX, 'KeyVaultCertificateInvalid');
        await expectCode(Buffer.from('hello, this is not DER').toString('base64'), PFX, 'KeyVaultCertificateInvalid');
    });

    it('OpenSSL files: legacy (RC2-40 certificates, 3DES key, SHA-1 MAC) and modern (PBES2 AES-256, SHA-256 MAC), empty password', async (t) => {
        const openssl = requireTool(t, 'openssl', locateOpenssl(), 'Install it with `apt-get install openssl`.');
        if (openssl === undefined) return;
        const dir = mkdtempSync(join(tmpdir(), 'pfx-'));
        try {
            writeFileSync(join(dir, 'key.pem'), certificate.keyPem, { mode: 0o600 });
            writeFileSync(join(dir, 'cert.pem'), `${certificate.certPem}${other.certPem}`);
            const variants: [string, string[]][] = [['modern.pfx', []]];
            // RC2 lives in OpenSSL 3's legacy provider; without it, `-legacy` cannot write the file.
            if (run(openssl, ['list', '-cipher-algorithms', '-provider', 'legacy']).status === 0)
                variants.push(['legacy.pfx', ['-legacy']]);
            for (const [file, extra] of variants) {
                const made = run(openssl, [
                    'pkcs12',
                    '-export',
                    ...extra,
                    '-inkey',
                    join(dir, 'key.pem'),
                    '-in',
                    join(dir, 'cert.pem'),
                    '-passout',
                    'pass:',
                    '-out',
                    join(dir, file),
                ]);
                assert.equal(made.status, 0, made.stderr);
                const value = readFileSync(join(dir, file)).toString('base64');
                const parsed = await parseCertificateSecret(secret(value, PFX), context);
                assertIsCertificate(parsed, certificate);
                assert.equal(parsed.chainPem.match(/BEGIN CERTIFICATE/g)?.length, 2, `${file}: the whole chain goes to x5c`);
            }
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe('PEM (application/x-pem-file)', () => {
    it('reads a PKCS#8 key and the chain in any order, the signing certificate first', async () => {
        const value = `${other.certPem}${certificate.keyPem}${certificate.certPem}`;
        assertIsCertificate(await parseCertificateSecret(secret(value, PEM), context), certificate);
    });

    it('reads a PKCS#1 RSA key and returns it as PKCS#8', async () => {
        const pkcs1 = createPrivateKey(certificate.keyPem).export({ type: 'pkcs1', format: 'pem' }).toString();
        assertIsCertificate(await parseCertificateSecret(secret(`${pkcs1}${certificate.certPem}`, PEM), context), certificate);
    });

    it('no content type set: recognised by its PEM armour', async () => {
        assertIsCertificate(
            await parseCertificateSecret(secret(certificateSecretValue(certificate, { contentType: PEM }), undefined), context),
            certificate,
        );
    });

    it('certificate only: KeyVaultCertificateNoPrivateKey; encrypted key: KeyVaultCertificatePasswordProtected', async () => {
        await expectCode(certificate.certPem, PEM, 'KeyVaultCertificateNoPrivateKey');
        await expectCode(
            certificateSecretValue(certificate, { contentType: PEM, password: 'correct horse' }),
            PEM,
            'KeyVaultCertificatePasswordProtected',
        );
    });

    it('a key that matches no certificate, a non-RSA key, another content type: KeyVaultCertificateInvalid', async () => {
        await expectCode(`${other.keyPem}${certificate.certPem}`, PEM, 'KeyVaultCertificateInvalid');
        await expectCode(certificate.certPem, 'text/plain', 'KeyVaultCertificateInvalid');
        const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const ecPem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
        hygiene.registerForbidden(() => [ecPem]);
        await expectCode(`${ecPem}${certificate.certPem}`, PEM, 'KeyVaultCertificateInvalid');
    });
});

after(() => {
    // Every error above went to the guard; its messages must hold no key material.
    assert.deepEqual(hygiene.findLeaks(), []);
});
