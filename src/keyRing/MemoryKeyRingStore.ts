import type { KeyRingStore, StoredKeyRing } from './KeyRingStore.js';

/**
 * A key ring in this process's memory: for runs with no export storage (the CLI, a local run
 * without Azurite), where page tokens then only work on this instance.
 */
export class MemoryKeyRingStore implements KeyRingStore {
    readonly location = "this process's memory";
    #stored: StoredKeyRing | undefined;
    #version = 0;

    read(): Promise<StoredKeyRing | undefined> {
        return Promise.resolve(this.#stored);
    }

    create(text: string): Promise<string | undefined> {
        return Promise.resolve(this.#stored === undefined ? this.#write(text) : undefined);
    }

    replace(text: string, etag: string): Promise<string | undefined> {
        return Promise.resolve(this.#stored?.etag === etag ? this.#write(text) : undefined);
    }

    #write(text: string): string {
        this.#version += 1;
        this.#stored = { text, etag: `"${this.#version}"` };
        return this.#stored.etag;
    }
}
