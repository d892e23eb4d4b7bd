/** A user with Graph's 11 default properties, in the order Graph returns them. */
export interface SandboxUser {
    readonly businessPhones: readonly string[];
    readonly displayName: string;
    readonly givenName: string;
    readonly jobTitle: string | null;
    readonly mail: string;
    readonly mobilePhone: string | null;
    readonly officeLocation: string | null;
    readonly preferredLanguage: string | null;
    readonly surname: string;
    readonly userPrincipalName: string;
    readonly id: string;
}

/** Every property the sandbox can return; `$select` may name any of these. */
export interface SandboxUserRecord extends SandboxUser {
    readonly accountEnabled: boolean;
    readonly department: string | null;
    readonly createdDateTime: string;
    readonly companyName: string | null;
    readonly country: string | null;
    readonly city: string | null;
    readonly employeeId: string | null;
    readonly usageLocation: string | null;
    readonly userType: 'Member' | 'Guest';
    readonly onPremisesSyncEnabled: boolean | null;
}

export type UserProperty = keyof SandboxUserRecord;

export const DEFAULT_USER_PROPERTIES: readonly UserProperty[] = [
    'businessPhones',
    'displayName',
    'givenName',
    'jobTitle',
    'mail',
    'mobilePhone',
    'officeLocation',
    'preferredLanguage',
    'surname',
    'userPrincipalName',
    'id',
];

export const USER_PROPERTIES: readonly UserProperty[] = [
    ...DEFAULT_USER_PROPERTIES,
    'accountEnabled',
    'department',
    'createdDateTime',
    'companyName',
    'country',
    'city',
    'employeeId',
    'usageLocation',
    'userType',
    'onPremisesSyncEnabled',
];

// Unicode on purpose: consumers must round-trip non-ASCII names (and an apostrophe) unchanged.
const GIVEN_NAMES = [
    'Adele',
    'Alex',
    'Zoë',
    'José',
    'Łukasz',
    'Søren',
    'Chloé',
    'Åsa',
    'Ngozi',
    'Siobhán',
    'Mégane',
    'Øyvind',
    'Dương',
    'Priya',
    'Kenji',
    '明',
    'Fatima',
    'Grady',
    'Isaiah',
    'Johanna',
    'Lidia',
    'Megan',
    'Miriam',
    'Nestor',
    'Patti',
    'Pradeep',
    'Yūki',
    'Ünal',
    'Ólafur',
    'Renée',
];
const SURNAMES = [
    'Vance',
    'Wilber',
    'Müller',
    'Núñez',
    "O'Brien",
    'Žukauskas',
    'Çelik',
    'Østergaard',
    'Şahin',
    'Nguyễn',
    'Gupta',
    'Tanaka',
    '王',
    'Haddad',
    'Archie',
    'Lee',
    'Holt',
    'Lamb',
    'Bowen',
    'Gonzalez',
    'Fernandes',
    'Brown',
    'Sørensen',
    'Kovačević',
    'Schröder',
    'Ibáñez',
    'Petrović',
    'Ødegaard',
    'Lindqvist',
    'Novák',
];
const JOB_TITLES = [
    'Engineer',
    'Senior Engineer',
    'Product Manager',
    'Designer',
    'Sales Representative',
    'Marketing Specialist',
    'Accountant',
    'HR Partner',
    'Support Engineer',
    'Director',
    'Data Scientist',
    'Consultant',
];
const DEPARTMENTS = ['Engineering', 'Sales', 'Marketing', 'Finance', 'Human Resources', 'Support', 'Research', 'Legal'];
const LOCATIONS: readonly (readonly [country: string, city: string, usage: string, office: string, language: string])[] = [
    ['United States', 'Seattle', 'US', '18/2111', 'en-US'],
    ['United States', 'Redmond', 'US', '131/1104', 'en-US'],
    ['Germany', 'München', 'DE', 'M-4.12', 'de-DE'],
    ['France', 'Paris', 'FR', 'P-2.07', 'fr-FR'],
    ['Norway', 'Tromsø', 'NO', 'T-1.01', 'nb-NO'],
    ['Japan', 'Tōkyō', 'JP', 'TKY-21F', 'ja-JP'],
    ['Brazil', 'São Paulo', 'BR', 'SP-0.30', 'pt-BR'],
    ['India', 'Bengaluru', 'IN', 'BLR-5.5', 'en-IN'],
];
const YEAR_2015 = Date.UTC(2015, 0, 1);
// Precomputed: pages are benchmarked and the name lists are small.
const ASCII_PARTS = new Map([...GIVEN_NAMES, ...SURNAMES].map((name) => [name, asciiLocalPart(name)]));
const NINE_YEARS_SECONDS = 9 * 365 * 86_400;

/**
 * Builds the user at `index` of the directory `seed`. Pure and cheap, so the directory is never
 * materialised: any page is computed from its offset. Ids are unique per index (see guidFor).
 */
export function sandboxUserRecord(seed: number, index: number): SandboxUserRecord {
    const next = mulberry32(fmix32((index * 0x9e3779b1) ^ fmix32(seed + 0x51ed27)));
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
    const givenName = pick(GIVEN_NAMES);
    const surname = pick(SURNAMES);
    const upn = `${ASCII_PARTS.get(givenName) ?? 'user'}.${ASCII_PARTS.get(surname) ?? 'user'}.${index}@contoso.sandbox`;
    const [country, city, usageLocation, office, language] = pick(LOCATIONS);
    const hasMobile = next() < 0.6;
    const hasTitle = next() < 0.9;
    const isGuest = next() < 0.05;
    const synced = next() < 0.3;
    const created = new Date(YEAR_2015 + Math.floor(next() * NINE_YEARS_SECONDS) * 1000);
    return {
        businessPhones: next() < 0.7 ? [`+1 425 555 ${pad4(index % 10_000)}`] : [],
        displayName: `${givenName} ${surname}`,
        givenName,
        jobTitle: hasTitle ? pick(JOB_TITLES) : null,
        mail: upn,
        mobilePhone: hasMobile ? `+1 206 555 ${pad4(Math.floor(next() * 10_000))}` : null,
        officeLocation: isGuest ? null : office,
        preferredLanguage: isGuest ? null : language,
        surname,
        userPrincipalName: upn,
        id: guidFor(seed, index),
        accountEnabled: next() >= 0.03,
        department: hasTitle ? pick(DEPARTMENTS) : null,
        createdDateTime: created.toISOString().replace('.000Z', 'Z'),
        companyName: isGuest ? 'Fabrikam' : 'Contoso',
        country,
        city,
        employeeId: isGuest ? null : String(100_000 + index),
        usageLocation,
        userType: isGuest ? 'Guest' : 'Member',
        onPremisesSyncEnabled: synced ? true : null,
    };
}

/** The default-property view Graph returns without `$select`. */
export function sandboxUserAt(seed: number, index: number): SandboxUser {
    return defaultUserView(sandboxUserRecord(seed, index));
}

/** Narrows a record to Graph's default properties, in Graph's order. */
export function defaultUserView(r: SandboxUserRecord): SandboxUser {
    return {
        businessPhones: r.businessPhones,
        displayName: r.displayName,
        givenName: r.givenName,
        jobTitle: r.jobTitle,
        mail: r.mail,
        mobilePhone: r.mobilePhone,
        officeLocation: r.officeLocation,
        preferredLanguage: r.preferredLanguage,
        surname: r.surname,
        userPrincipalName: r.userPrincipalName,
        id: r.id,
    };
}

// The first 32 bits are a bijection of the index (fmix32 is invertible), so ids never collide.
function guidFor(seed: number, index: number): string {
    const a = fmix32(index ^ fmix32(seed));
    const next = mulberry32(fmix32(index + seed * 0x2545f491));
    const b = (next() * 0x1_0000_0000) >>> 0;
    const c = (next() * 0x1_0000_0000) >>> 0;
    const d = (next() * 0x1_0000_0000) >>> 0;
    const hex = hex8(a) + hex8(((b & 0xffff0fff) | 0x4000) >>> 0) + hex8(((c & 0x3fffffff) | 0x80000000) >>> 0) + hex8(d);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function asciiLocalPart(name: string): string {
    const ascii = name
        .normalize('NFD')
        .replace(/[Øø]/g, 'o')
        .replace(/[Łł]/g, 'l')
        .replace(/[^A-Za-z0-9]/g, '')
        .toLowerCase();
    return ascii.length > 0 ? ascii : 'user';
}

function hex8(n: number): string {
    return n.toString(16).padStart(8, '0');
}

function pad4(n: number): string {
    return String(n).padStart(4, '0');
}

function fmix32(input: number): number {
    let h = input | 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
}

/** A small seeded PRNG: numbers in [0, 1). */
export function mulberry32(state: number): () => number {
    let a = state | 0;
    return () => {
        a = (a + 0x6d2b79f5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
}
