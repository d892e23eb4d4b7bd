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
});
