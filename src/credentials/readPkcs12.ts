import type forge from 'node-forge';

/** What a PKCS#12 (PFX) file holds, as DER: the certificates and the private keys (PKCS#8 PrivateKeyInfo). */
export interface Pkcs12Contents {
    readonly certificates: readonly Buffer[];
    readonly privateKeys: readonly Buffer[];
}

type Forge = typeof forge;
type Pkcs12FromAsn1 = (obj: forge.asn1.Asn1, strict: boolean, password: string | null) => forge.pkcs12.Pkcs12Pfx;

/** The file is protected by a password other than the empty one Key Vault uses for its exports. */
export class Pkcs12PasswordError extends Error {}

/**
 * Node has no PKCS#12 parser (its crypto only reads PFX into a TLS context), so node-forge opens the
 * container: MAC check and the PBE schemes PFX files use (PBES2/AES, SHA1-3DES, SHA1-RC2-40, which
 * OpenSSL 3 keeps in its legacy provider). Everything else (keys, thumbprints) is done with node:crypto.
 *
 * Key Vault exports with an empty password, which RFC 7292 (B.1) leaves ambiguous: encoded as the two-byte
 * BMPString terminator (OpenSSL, forge for "") or as no bytes at all (some Windows exporters). Both are tried.
 */
export async function readPkcs12(der: Buffer): Promise<Pkcs12Contents> {
    // Loaded only when a PFX is read: the other credential modes never pay for parsing node-forge.
    const { default: forge } = await import('node-forge');
    // forge's typings say string, but its key derivation treats null as "no password bytes" (pbe.generatePkcs12Key).
    const pkcs12FromAsn1 = forge.pkcs12.pkcs12FromAsn1 as Pkcs12FromAsn1;
    let asn1: forge.asn1.Asn1;
    try {
        asn1 = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')), false);
    } catch {
        throw new Error('The value is not a DER-encoded PKCS#12 file.');
    }
    let lastError: unknown;
    for (const password of ['', null]) {
        try {
            return contentsOf(forge, pkcs12FromAsn1(asn1, false, password));
        } catch (error) {
            lastError = error;
            if (!isPasswordError(error)) break;
        }
    }
    if (isPasswordError(lastError)) throw new Pkcs12PasswordError('The PKCS#12 file is protected by a password.');
    throw new Error(`The PKCS#12 file could not be read: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}

/** forge's words for a MAC or decryption that failed with the password given. */
function isPasswordError(error: unknown): boolean {
    const message = error instanceof Error ? error.message : '';
    return /Invalid password|wrong password|Failed to decrypt|MAC could not be verified/i.test(message);
}

/** A SafeBag as forge decodes it at run time: `key`/`cert` are null for types it cannot decode, which keep their `asn1`. */
interface DecodedBag {
    readonly type: string;
    readonly cert?: forge.pki.Certificate | null;
    readonly key?: forge.pki.rsa.PrivateKey | null;
    readonly asn1?: forge.asn1.Asn1;
}

function contentsOf(forge: Forge, pfx: forge.pkcs12.Pkcs12Pfx): Pkcs12Contents {
    const certificates: Buffer[] = [];
    const privateKeys: Buffer[] = [];
    const toBuffer = (asn1: forge.asn1.Asn1): Buffer => Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
    for (const safe of pfx.safeContents) {
        for (const bag of safe.safeBags as DecodedBag[]) {
            if (bag.type === forge.pki.oids.certBag) {
                if (bag.cert) certificates.push(toBuffer(forge.pki.certificateToAsn1(bag.cert)));
                else if (bag.asn1) certificates.push(toBuffer(bag.asn1));
            } else if (bag.type === forge.pki.oids.keyBag || bag.type === forge.pki.oids.pkcs8ShroudedKeyBag) {
                // forge decodes RSA keys; other key types stay as their PrivateKeyInfo.
                if (bag.key) privateKeys.push(toBuffer(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key))));
                else if (bag.asn1) privateKeys.push(toBuffer(bag.asn1));
            }
        }
    }
    return { certificates, privateKeys };
}
