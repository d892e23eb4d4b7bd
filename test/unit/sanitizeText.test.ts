import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
    it('removes PEM private keys (PKCS#8, PKCS#1, encrypted, cut off) and long base64 blobs such as PKCS#12 files', () => {
        const body = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7'.repeat(3);
        for (const label of ['PRIVATE KEY', 'RSA PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']) {
            const out = sanitizeText(`key: -----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n done`);
            assert.ok(!out.includes(body.slice(0, 40)), out);
            assert.match(out, /done$/);
        }
        assert.ok(!sanitizeText(`-----BEGIN PRIVATE KEY-----\n${body}`).includes(body.slice(0, 40)));
        const pfx =
            'MIIKYQIBAzCCCicGCSqGSIb3DQEHAaCCChgEggoUMIIKEDCCBMcGCSqGSIb3DQEHBqCCBLgwggS0AgEAMIIErQYJKoZIhvcNAQcBMBwGCiqGSIb3'.repeat(3);
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
