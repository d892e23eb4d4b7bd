/** One federated identity credential of the app registration (Graph `federatedIdentityCredential`). */
export interface FederatedCredential {
    readonly name: string;
    readonly issuer: string;
    readonly subject: string;
    readonly audiences: readonly string[];
}

export type FederationMatch = { readonly ok: true } | { readonly ok: false; readonly code: 70021 | 700211 | 700212 | 700213 };

/** The app's federated credentials; matched case-sensitively, as Entra has done since 2025. */
export class FederatedCredentials {
    readonly #credentials: FederatedCredential[] = [];

    add(credential: FederatedCredential): void {
        if (this.#credentials.length >= 20) throw new RangeError('An application has at most 20 federated identity credentials.');
        this.#credentials.push(credential);
    }

    removeAll(): void {
        this.#credentials.length = 0;
    }

    list(): readonly FederatedCredential[] {
        return this.#credentials;
    }

    /** Which of Entra's answers a presented (issuer, subject, audience) gets: 70021 none, then issuer, subject, audience. */
    match(issuer: string, subject: string, audience: readonly string[]): FederationMatch {
        if (this.#credentials.length === 0) return { ok: false, code: 70021 };
        const byIssuer = this.#credentials.filter((c) => c.issuer === issuer);
        if (byIssuer.length === 0) return { ok: false, code: 700211 };
        const bySubject = byIssuer.filter((c) => c.subject === subject);
        if (bySubject.length === 0) return { ok: false, code: 700213 };
        return bySubject.some((c) => c.audiences.some((a) => audience.includes(a))) ? { ok: true } : { ok: false, code: 700212 };
    }
}
