import type { KeyObject } from 'node:crypto';
import { publicKeyOf, type SandboxCertificate } from './SandboxCertificate.js';

export interface RegisteredCertificate {
    readonly certificate: SandboxCertificate;
    readonly publicKey: KeyObject;
    /** Registered, but refused until `acceptUnpropagated()`: a new key credential that has not reached all of Entra ID. */
    unpropagated: boolean;
}

/** The app registration's key credentials (certificates) as Entra sees them, found by thumbprint header. */
export class AppCertificates {
    readonly #registered: RegisteredCertificate[] = [];

    register(certificate: SandboxCertificate, options: { readonly unpropagated?: boolean } = {}): void {
        this.#registered.push({ certificate, publicKey: publicKeyOf(certificate), unpropagated: options.unpropagated === true });
    }

    acceptUnpropagated(): void {
        for (const r of this.#registered) r.unpropagated = false;
    }

    /** Removes every certificate but the one with this SHA-1 thumbprint (undefined: removes all). */
    removeAllBut(thumbprintSha1: string | undefined): void {
        for (let i = this.#registered.length - 1; i >= 0; i--) {
            if (this.#registered[i]?.certificate.thumbprintSha1 !== thumbprintSha1) this.#registered.splice(i, 1);
        }
    }

    /** Whether this is the most recently registered certificate. */
    isNewest(registered: RegisteredCertificate): boolean {
        return this.#registered.at(-1) === registered;
    }

    /** By `x5t#S256` (preferred) or `x5t`, both base64url thumbprints of the DER certificate. */
    find(header: { readonly x5t?: unknown; readonly 'x5t#S256'?: unknown }): RegisteredCertificate | undefined {
        const s256 = header['x5t#S256'];
        if (typeof s256 === 'string') return this.#registered.find((r) => r.certificate.x5tS256 === s256);
        const x5t = header.x5t;
        return typeof x5t === 'string' ? this.#registered.find((r) => r.certificate.x5t === x5t) : undefined;
    }
}
