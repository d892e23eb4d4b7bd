import { randomBytes } from 'node:crypto';

export type ClientSecretStatus = 'valid' | 'revoked' | 'expired' | 'unknown';

const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.~';

/** The app registration's password credentials as Entra sees them. */
export class ClientSecrets {
    readonly #secrets: { value: string; status: Exclude<ClientSecretStatus, 'unknown'> }[] = [];

    /** Adds a new valid secret shaped like Entra's (`xxx8Q~` + 34 characters) and returns it. */
    add(): string {
        const value = `${randomChars(3)}8Q~${randomChars(34)}`;
        this.#secrets.push({ value, status: 'valid' });
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
