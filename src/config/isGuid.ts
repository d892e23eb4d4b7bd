/** A GUID as Entra ID writes tenant, client and object ids, for embedding in a larger pattern. */
export const GUID_PATTERN = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

const GUID = new RegExp(`^${GUID_PATTERN}$`, 'i');

/** Whether `value` is a GUID (any case). */
export function isGuid(value: string): boolean {
    return GUID.test(value);
}
