import { KeyMatcher } from '../json/KeyMatcher.js';

/** The user properties an export selects, `id` always among them, with a matcher for raw JSON keys. */
export class SelectedProperties {
    readonly names: readonly string[];
    readonly keys: KeyMatcher;
    readonly idIndex: number;
    /** One bit per property: a user holding exactly these properties has all bits set. */
    readonly allBits: number;

    constructor(select: readonly string[]) {
        const names = select.includes('id') ? [...select] : ['id', ...select];
        if (names.length > 30 || new Set(names).size !== names.length) throw new RangeError('select must hold at most 30 distinct names');
        this.names = names;
        this.keys = new KeyMatcher(names);
        this.idIndex = names.indexOf('id');
        this.allBits = 2 ** names.length - 1;
    }
}
