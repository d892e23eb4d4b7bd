/**
 * The one credential sanitizer: every error message, hint and log line passes through it.
 * It removes values registered as sensitive (the client secret, certificate secrets and private
 * keys, issued tokens and assertions) and anything shaped like a credential (JWTs, PEM private
 * keys, long base64 blobs such as PKCS#12 files), so even an SDK message that echoes a request is safe to show.
 */
/** Client secrets and key material: few (one per rotation) and never forgotten, even after they were rotated out. */
const secretValues = new Set<string>();
/** Issued tokens: many, short-lived; the newest are kept (JWTs are also caught by shape). */
const tokenValues = new Set<string>();
const MAX_TOKEN_VALUES = 64;
const REDACTED = '[REDACTED]';

const credentialPatterns: readonly RegExp[] = [
    // PEM private keys (PKCS#8, PKCS#1, encrypted), also when cut off before their END line.
    /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?(-----END ([A-Z0-9]+ )*PRIVATE KEY-----|$)/g,
    // Long base64 runs: a PKCS#12 file or DER key as Key Vault stores it (a 2048-bit key is ~1,600 characters).
    /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{256,}={0,2}/g,
    // JWTs (access tokens, client assertions): three base64url segments starting with a JSON header.
    /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
    // Entra ID client secret values: three characters, a digit, "Q~", then at least 31 more.
    /[A-Za-z0-9_.-]{3}\dQ~[A-Za-z0-9_.~-]{31,}/g,
    /\b(Bearer|PoP)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
    // Paging and delta cursors too: a deltaLink's $deltatoken reads the directory's changes to anyone with a token.
    /((?:client_secret|client_assertion|access_token|refresh_token|id_token|password|secret|sig|deltatoken|skiptoken)["']?\s*[:=]\s*["']?)[^"'&\s,}]+/gi,
    /(AccountKey=|SharedAccessSignature=)[^;\s"']+/gi,
];

/** Registers a value that must never appear in output: a client secret or private key, or an issued token, assertion or deltaLink. */
export function registerSensitiveValue(value: string, kind: 'secret' | 'token' = 'secret'): void {
    if (value.length < 4) return;
    if (kind === 'secret') {
        secretValues.add(value);
        return;
    }
    // Re-adding moves a token to the newest end, so the oldest is the one that goes.
    tokenValues.delete(value);
    tokenValues.add(value);
    if (tokenValues.size > MAX_TOKEN_VALUES) {
        const oldest = tokenValues.values().next().value;
        if (oldest !== undefined) tokenValues.delete(oldest);
    }
}

export function sanitizeText(text: string): string {
    let result = text;
    for (const value of [...secretValues, ...tokenValues]) {
        if (result.includes(value)) result = result.split(value).join(REDACTED);
    }
    for (const pattern of credentialPatterns) {
        result = result.replace(pattern, (_match, prefix: unknown) =>
            typeof prefix === 'string' && /[:=]/.test(prefix) ? `${prefix}${REDACTED}` : REDACTED,
        );
    }
    return result;
}
