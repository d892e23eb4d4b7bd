/**
 * The one credential sanitizer: every error message, hint and log line passes through it.
 * It removes values registered as sensitive (the client secret, issued tokens) and anything
 * shaped like a credential, so even an SDK message that echoes a request is safe to show.
 */
const sensitiveValues = new Set<string>();
const MAX_SENSITIVE_VALUES = 32;
const REDACTED = '[REDACTED]';

const credentialPatterns: readonly RegExp[] = [
    // JWTs (access tokens, client assertions): three base64url segments starting with a JSON header.
    /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
    /\b(Bearer|PoP)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
    /((?:client_secret|client_assertion|access_token|refresh_token|id_token|password|secret|sig)["']?\s*[:=]\s*["']?)[^"'&\s,}]+/gi,
    /(AccountKey=|SharedAccessSignature=)[^;\s"']+/gi,
];

/** Registers a value that must never appear in output (e.g. the client secret just read). */
export function registerSensitiveValue(value: string): void {
    if (value.length < 4 || sensitiveValues.has(value)) return;
    if (sensitiveValues.size >= MAX_SENSITIVE_VALUES) {
        const oldest = sensitiveValues.values().next().value;
        if (oldest !== undefined) sensitiveValues.delete(oldest);
    }
    sensitiveValues.add(value);
}

export function sanitizeText(text: string): string {
    let result = text;
    for (const value of sensitiveValues) {
        if (result.includes(value)) result = result.split(value).join(REDACTED);
    }
    for (const pattern of credentialPatterns) {
        result = result.replace(pattern, (_match, prefix: unknown) =>
            typeof prefix === 'string' && /[:=]/.test(prefix) ? `${prefix}${REDACTED}` : REDACTED,
        );
    }
    return result;
}
