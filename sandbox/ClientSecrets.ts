import { randomBytes } from 'node:crypto';

export type ClientSecretStatus = 'valid' | 'revoked' | 'expired' | 'unpropagated' | 'unknown';

const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.~';

/** The app registration's password credentials as Entra sees them. */
export class ClientSecrets {
    readonly #secrets: { value: string; status: Exclude<ClientSecretStatus, 'unknown'> }[] = [];

    /**
     * Adds a new secret shaped like Entra's (`xxx8Q~` + 34 characters) and returns it. `unpropagated`: Graph has
     * added it (addPassword answered) but the token endpoint refuses it until `acceptUnpropagated()`, as a new
     * credential refused until it has reached every Entra ID region.
     */
    add(options: { readonly unpropagated?: boolean } = {}): string {
        const value = `${randomChars(3)}8Q~${randomChars(34)}`;
        this.#secrets.push({ value, status: options.unpropagated === true ? 'unpropagated' : 'valid' });
        return value;
    }

    /** The newest secret. */
    get current(): string {
        const last = this.#secrets.at(-1);
        if (last === undefined) throw new Error('No client secret has been created.');
        return last.value;
    }

    status(value: string): ClientSecretStatus {
        return this.#secrets.find((s) => s.value === value)?.status ?? 'unknown';
    }

    acceptUnpropagated(): void {
        for (const s of this.#secrets) if (s.status === 'unpropagated') s.status = 'valid';
    }

    revokeAllBut(value: string): void {
        for (const s of this.#secrets) if (s.value !== value) s.status = 'revoked';
    }

    expireCurrent(): void {
        const last = this.#secrets.at(-1);
        if (last !== undefined) last.status = 'expired';
    }

    history(): readonly string[] {
        return this.#secrets.map((s) => s.value);
    }
}

function randomChars(count: number): string {
    const bytes = randomBytes(count);
    let out = '';
    for (const b of bytes) out += SECRET_ALPHABET.charAt(b % SECRET_ALPHABET.length);
    return out;
}
