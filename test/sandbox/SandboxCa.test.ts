import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createSandboxCa, issueServerCertificate, loadSandboxCa, writeSandboxCa } from '../../sandbox/index.js';

describe('SandboxCa', () => {
    it('writes, reloads and signs loopback server certificates', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'sandbox-ca-test-'));
        try {
            const ca = await writeSandboxCa(await createSandboxCa(), dir);
            assert.equal(ca.certFile, join(dir, 'ca.pem'));
            assert.equal((await stat(join(dir, 'ca-key.pem'))).mode & 0o777, 0o600);
            const loaded = await loadSandboxCa(dir);
            assert.equal(loaded.certPem, ca.certPem);
            const caCert = new X509Certificate(loaded.certPem);
            assert.ok(caCert.ca);
            const leaf = new X509Certificate((await issueServerCertificate(loaded)).certPem);
            assert.ok(leaf.checkIssued(caCert));
            assert.ok(leaf.verify(caCert.publicKey));
            assert.equal(leaf.checkIP('127.0.0.1'), '127.0.0.1');
            assert.equal(leaf.checkIP('::1'), '::1');
            assert.equal(leaf.checkHost('localhost'), 'localhost');
            assert.ok(new Date(leaf.validTo).getTime() <= new Date(caCert.validTo).getTime());
        } finally {
            await rm(dir, { recursive: true, force: true });
        }
    });
});
