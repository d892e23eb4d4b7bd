import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { certificateSecretValue, createSandboxCertificate } from '../../sandbox/SandboxCertificate.js';
import { registerSensitiveValue, sanitizeText } from '../../src/errors/sanitizeText.js';

describe('credential sanitizer', () => {
    it('removes registered values wherever they appear', () => {
        registerSensitiveValue('Qx8~registered-secret-value');
        assert.equal(sanitizeText('a Qx8~registered-secret-value b'), 'a [REDACTED] b');
    });
    it('removes JWTs, bearer tokens and form-encoded secrets', () => {
        const text =
            'Authorization: Bearer abc.def-123456 token eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJ4In0.sig_-abc body client_secret=s3cr3t&scope=x {"access_token":"tok123"}';
        const out = sanitizeText(text);
        for (const leaked of ['abc.def-123456', 'eyJ0eXAiOiJKV1QifQ', 's3cr3t', 'tok123']) assert.ok(!out.includes(leaked), out);
        assert.match(out, /scope=x/);
    });
    it('leaves ordinary text alone', () => {
        const text = 'Secret "graph-client-secret" was not found in https://kv.vault.azure.net (GRAPH_CLIENT_SECRET_NAME).';
        assert.equal(sanitizeText(text), text);
    });
    it('removes PEM private keys (PKCS#8, PKCS#1, encrypted, cut off) and long base64 blobs such as PKCS#12 files', async () => {
        // Keys made now, never committed: the three PEM forms of one RSA key, and a PKCS#12 as Key Vault stores it.
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const pems = [
            privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
            privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
            privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'p' }).toString(),
        ];
        for (const pem of pems) {
            const body = pem.split('\n')[1] ?? '';
            const out = sanitizeText(`key: ${pem} done`);
            assert.ok(!out.includes(body), out);
            assert.match(out, /done$/);
            assert.ok(!sanitizeText(pem.slice(0, pem.length >> 1)).includes(body), 'cut off');
        }
        const pfx = certificateSecretValue(await createSandboxCertificate(), { contentType: 'application/x-pkcs12' });
        assert.equal(sanitizeText(`value ${pfx} end`), 'value [REDACTED] end');
    });
    it('removes client assertions in form bodies', () => {
        const out = sanitizeText('client_assertion_type=urn%3Aietf&client_assertion=abc.def.ghi&scope=x');
        assert.ok(!out.includes('abc.def.ghi'), out);
        assert.match(out, /scope=x/);
    });
    it('keeps thumbprints, ids and URLs, which operators need', () => {
        const text =
            'certificate CN=graph (SHA-1 thumbprint 9A3F0C6E1B2D4E5F60718293A4B5C6D7E8F90A1B) https://kv.vault.azure.net/secrets/x/0123456789abcdef0123456789abcdef';
        assert.equal(sanitizeText(text), text);
    });
});
