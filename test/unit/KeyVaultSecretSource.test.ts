import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KeyVaultSecret } from '@azure/keyvault-secrets';
import { KeyVaultSecretSource, type SecretReader } from '../../src/secret/KeyVaultSecretSource.js';

/** A reader whose reads complete only when the test says so, returning the vault's value at that moment. */
function controllableVault(): { reader: SecretReader; value: string; reads: number; release: () => void } {
    const waiting: (() => void)[] = [];
    const vault = {
        value: 'v1',
        reads: 0,
        release: () => {
            for (const go of waiting.splice(0)) go();
        },
        reader: {
            getSecret: async (name: string): Promise<KeyVaultSecret> => {
                vault.reads += 1;
                await new Promise<void>((resolve) => waiting.push(resolve));
                return { name, value: vault.value, properties: { name, vaultUrl: 'https://kv', version: vault.value } };
            },
        },
    };
    return vault;
}

const options = { vaultUrl: 'https://kv', secretName: 's', ttlSeconds: 300, identityDescription: 'mi' };

describe('Key Vault secret source: single-flight and refresh', () => {
    it('concurrent cold reads share one vault read', async () => {
        const vault = controllableVault();
        const source = new KeyVaultSecretSource({ ...options, reader: vault.reader });
        const all = Promise.all(Array.from({ length: 20 }, () => source.getSecret()));
        vault.release();
        assert.deepEqual(new Set((await all).map((s) => s.value)), new Set(['v1']));
        assert.equal(vault.reads, 1);
    });

    it('a refresh does not join a read that started before it: it reads again and sees the rotation', async () => {
        const vault = controllableVault();
        const source = new KeyVaultSecretSource({ ...options, reader: vault.reader });
        const stale = source.getSecret();
        // Entra rejected v1 and the secret was rotated while the first read was still under way.
        const refreshed = source.getSecret({ refresh: true });
        vault.release();
        assert.equal((await stale).value, 'v1');
        vault.value = 'v2';
        await new Promise((resolve) => setImmediate(resolve));
        vault.release();
        assert.equal((await refreshed).value, 'v2');
        assert.equal(vault.reads, 2);
    });

    it('concurrent refreshes share one read, and later callers get the refreshed value from cache', async () => {
        const vault = controllableVault();
        const source = new KeyVaultSecretSource({ ...options, reader: vault.reader });
        const refreshes = Promise.all([source.getSecret({ refresh: true }), source.getSecret({ refresh: true }), source.getSecret()]);
        vault.release();
        await refreshes;
        assert.equal(vault.reads, 1);
        assert.equal((await source.getSecret()).value, 'v1');
        assert.equal(vault.reads, 1);
    });
});
