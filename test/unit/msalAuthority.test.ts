/**
 * The MSAL authority options: which hosts are trusted without validation (loopback emulators, spelled exactly),
 * which MSAL knows from its built-in metadata, and which it must validate by instance discovery. The built-in
 * list is compared with msal-common's own (its AuthorityMetadata module is not exported, so its text is read).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { MSAL_BUILT_IN_HOSTS, msalAuthority } from '../../src/token/msalAuthority.js';

const TENANT = '7f3c1a2e-5b6d-4e8f-9a0b-1c2d3e4f5a6b';

describe('msalAuthority', () => {
    it('trusts the listed loopback spellings as known authorities (the sandbox), with their port', () => {
        for (const host of ['https://127.0.0.1:44321', 'https://[::1]:8443', 'https://localhost:9000', 'https://127.1:44321']) {
            const { options, validation } = msalAuthority(host, TENANT);
            assert.equal(validation, 'knownAuthority', host);
            assert.deepEqual(options.knownAuthorities, [new URL(host).host]);
            assert.equal(options.authority, `${host}/${TENANT}`);
        }
    });

    it("leaves every other spelling of loopback, and names that resolve to it, to MSAL's instance discovery", () => {
        for (const host of [
            'https://localhost.:9000',
            'https://[::ffff:127.0.0.1]:9000',
            'https://127.0.0.2',
            'https://localtest.me',
            'https://127.0.0.1.nip.io',
            'https://login.microsoftonline.co',
            'https://login.microsoftonline.com.evil.example',
            'https://login.microsoftonline.com:8443',
        ]) {
            const { options, validation } = msalAuthority(host, TENANT);
            assert.equal(validation, 'instanceDiscovery', host);
            assert.equal(options.knownAuthorities, undefined, `${host} must not be trusted unvalidated`);
        }
    });

    it("Microsoft's login hosts: no knownAuthorities, MSAL's built-in metadata", () => {
        for (const host of [
            'https://login.microsoftonline.com',
            'https://LOGIN.microsoftonline.US/',
            'https://login.chinacloudapi.cn:443',
        ]) {
            const { options, validation } = msalAuthority(host, TENANT);
            assert.equal(validation, 'builtInMetadata', host);
            assert.equal(options.knownAuthorities, undefined);
            assert.equal(options.authority, `${host.replace(/\/$/, '')}/${TENANT}`);
        }
    });

    it("the built-in hosts are exactly msal-common's instance discovery aliases", () => {
        const require = createRequire(import.meta.url);
        const msalNode = dirname(require.resolve('@azure/msal-node/package.json'));
        const common = dirname(createRequire(join(msalNode, 'package.json')).resolve('@azure/msal-common/package.json'));
        const source = readFileSync(join(common, 'dist', 'authority', 'AuthorityMetadata.mjs'), 'utf8');
        const metadata = /instanceDiscoveryMetadata:\s*\{[\s\S]*?metadata:\s*\[([\s\S]*?)\n\s{8}\],/.exec(source)?.[1];
        assert.ok(metadata, 'instanceDiscoveryMetadata not found in msal-common: read its AuthorityMetadata again');
        const aliases = [...metadata.matchAll(/aliases:\s*\[([^\]]*)\]/g)].flatMap((m) =>
            [...m[1]!.matchAll(/"([^"]+)"/g)].map((a) => a[1]!),
        );
        assert.ok(aliases.length >= 10, aliases.join(', '));
        assert.deepEqual([...MSAL_BUILT_IN_HOSTS].sort(), [...new Set(aliases)].sort());
    });
});
