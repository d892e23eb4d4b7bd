/** The JSON object `text` holds, or undefined when it is not JSON or not an object (stored documents, sealed tokens). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        return undefined;
    }
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}
