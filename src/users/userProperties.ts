/**
 * User properties a caller may `select`: readable with User.Read.All, none of them credentials.
 * Matching is case-insensitive (as in Graph) and the canonical spelling is sent.
 */
export const selectableUserProperties = [
    'id',
    'userPrincipalName',
    'displayName',
    'givenName',
    'surname',
    'mail',
    'jobTitle',
    'department',
    'officeLocation',
    'businessPhones',
    'mobilePhone',
    'preferredLanguage',
    'accountEnabled',
    'createdDateTime',
    'companyName',
    'country',
    'city',
    'employeeId',
    'usageLocation',
    'userType',
    'onPremisesSyncEnabled',
] as const;

/** What `GET /api/users` returns when no `select` is given. */
export const defaultUserSelect: readonly string[] = ['id', 'displayName', 'userPrincipalName', 'mail', 'jobTitle', 'accountEnabled'];

const canonical = new Map<string, string>(selectableUserProperties.map((p) => [p.toLowerCase(), p]));

/** Canonical property name, or undefined when not on the allowlist. */
export function canonicalUserProperty(name: string): string | undefined {
    return canonical.get(name.toLowerCase());
}

/** Validates a select list; `id` is always included because callers and the export key on it. */
export function normaliseSelect(names: readonly string[]): { select: string[] } | { unknown: string[] } {
    const unknown: string[] = [];
    const select = new Set<string>(['id']);
    for (const name of names) {
        const property = canonicalUserProperty(name);
        if (property === undefined) unknown.push(name);
        else select.add(property);
    }
    return unknown.length > 0 ? { unknown } : { select: [...select] };
}
