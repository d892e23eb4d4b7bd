import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KeyVaultSecret, SecretProperties } from '@azure/keyvault-secrets';
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
            listPropertiesOfSecretVersions: () => {
                throw new Error('not listed in these tests');
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

describe('Key Vault secret source: the version a rotation replaced', () => {
    const NOW = Date.UTC(2026, 10, 25, 12);
    const at = (minutes: number): Date => new Date(NOW + minutes * 60_000);
    /** A vault with these versions (listed in the order given, as Key Vault promises none), reading any of them. */
    function versionedVault(versions: readonly Partial<SecretProperties>[]): { reader: SecretReader; read: (string | undefined)[] } {
        const read: (string | undefined)[] = [];
        return {
            read,
            reader: {
                getSecret: (name, options) => {
                    read.push(options?.version);
                    const version = options?.version ?? 'latest';
                    return Promise.resolve({ name, value: `value-of-${version}`, properties: { name, vaultUrl: 'https://kv', version } });
                },
                listPropertiesOfSecretVersions: async function* (name) {
                    await Promise.resolve();
                    for (const v of versions) yield { name, vaultUrl: 'https://kv', ...v };
                },
            },
        };
    }
    const source = (reader: SecretReader): KeyVaultSecretSource => new KeyVaultSecretSource({ ...options, reader, now: () => NOW });

    it('the newest enabled, valid version created before the given one, whatever the listing order; the cache is untouched', async () => {
        const vault = versionedVault([
            { version: 'v2', createdOn: at(-60) },
            { version: 'v4', createdOn: at(-1) },
            { version: 'v1', createdOn: at(-600) },
            { version: 'v3-disabled', createdOn: at(-30), enabled: false },
            { version: 'v3-expired', createdOn: at(-20), expiresOn: at(-5) },
            { version: 'v3-not-yet', createdOn: at(-10), notBefore: at(5) },
            { version: 'v5-later', createdOn: at(0) },
        ]);
        const secrets = source(vault.reader);
        const earlier = await secrets.getEarlierSecret('v4');
        assert.deepEqual(earlier, { value: 'value-of-v2', version: 'v2', contentType: undefined });
        assert.deepEqual(vault.read, ['v2']);
        assert.equal((await secrets.getSecret()).version, 'latest', 'the latest version is still what getSecret serves');
    });

    it('a vault with hundreds of versions: the whole listing is read, not its first page or first hundred', async () => {
        // Key Vault pages versions 25 at a time in an order that is not chronological; the two that matter come last here.
        const old = Array.from({ length: 300 }, (_, i) => ({ version: `old-${String(i)}`, createdOn: at(-100_000 + i) }));
        const vault = versionedVault([...old, { version: 'replaced', createdOn: at(-10) }, { version: 'current', createdOn: at(-1) }]);
        assert.deepEqual(await source(vault.reader).getEarlierSecret('current'), {
            value: 'value-of-replaced',
            version: 'replaced',
            contentType: undefined,
        });
    });

    it('nothing earlier: none listed, an unknown version, or one created in the same second (not known to be earlier)', async () => {
        assert.equal(await source(versionedVault([{ version: 'v1', createdOn: at(0) }]).reader).getEarlierSecret('v1'), undefined);
        assert.equal(await source(versionedVault([{ version: 'v1', createdOn: at(-5) }]).reader).getEarlierSecret('gone'), undefined);
        const sameSecond = versionedVault([
            { version: 'a', createdOn: at(0) },
            { version: 'b', createdOn: at(0) },
        ]);
        assert.equal(await source(sameSecond.reader).getEarlierSecret('b'), undefined);
        assert.deepEqual(sameSecond.read, []);
    });

    it('a listing Key Vault refuses is a SecretError that names the fix', async () => {
        const reader: SecretReader = {
            getSecret: () => Promise.reject(new Error('unused')),
            listPropertiesOfSecretVersions: () => ({
                [Symbol.asyncIterator]: () => ({
                    next: () =>
                        Promise.reject(Object.assign(new Error('Caller is not authorized'), { statusCode: 403, code: 'Forbidden' })),
                }),
            }),
        };
        await assert.rejects(source(reader).getEarlierSecret('v1'), (e: unknown) => (e as { code?: unknown }).code === 'KeyVaultForbidden');
    });
});
