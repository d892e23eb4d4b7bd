/**
 * Evaluates the ARM template expressions this repository's compiled Bicep uses, so tests can run a
 * template's logic for a given cloud (`environment()`) and parameter values instead of comparing
 * expression text. Only the functions the template uses are implemented; anything else throws, so a new
 * construct fails loudly rather than evaluating wrongly.
 *
 * Semantics follow the ARM template function reference (learn.microsoft.com, template-functions-*):
 * `if()` and `coalesce()` evaluate lazily (only the branch taken, arguments up to the first non-null),
 * which is what makes `fail()` usable in them (Bicep "fail" function docs); `tryGet()` yields null for a
 * missing key; property names are case-insensitive.
 */
import type { Json } from './tools.js';

export class ArmFailure extends Error {}

type Value = unknown;

interface Node {
    readonly kind: 'string' | 'number' | 'call';
    readonly value?: string | number;
    readonly name?: string;
    readonly args?: readonly Node[];
    /** `.name` (string) and `[expr]` (Node) accessors, applied in order after the call. */
    readonly accessors?: readonly (string | Node)[];
}

export interface ArmContext {
    readonly template: Json;
    readonly parameters: Readonly<Record<string, Value>>;
    readonly environment: Readonly<Record<string, Value>>;
    readonly tenantId?: string;
}

function tokenize(source: string): string[] {
    const tokens: string[] = [];
    let i = 0;
    while (i < source.length) {
        const c = source[i]!;
        if (/\s/.test(c)) {
            i++;
        } else if (c === "'") {
            let j = i + 1;
            let text = '';
            for (;;) {
                if (j >= source.length) throw new Error(`unterminated string in ${source}`);
                if (source[j] === "'" && source[j + 1] === "'") {
                    text += "'";
                    j += 2;
                } else if (source[j] === "'") {
                    break;
                } else {
                    text += source.charAt(j);
                    j++;
                }
            }
            tokens.push(`'${text}`);
            i = j + 1;
        } else if ('(),.[]'.includes(c)) {
            tokens.push(c);
            i++;
        } else {
            const m = /^[A-Za-z_][A-Za-z0-9_]*|^-?\d+/.exec(source.slice(i));
            if (!m) throw new Error(`unexpected '${c}' in ${source}`);
            tokens.push(m[0]);
            i += m[0].length;
        }
    }
    return tokens;
}

function parse(source: string): Node {
    const tokens = tokenize(source);
    let pos = 0;
    const next = (): string => {
        const t = tokens[pos++];
        if (t === undefined) throw new Error(`unexpected end of ${source}`);
        return t;
    };
    const expect = (t: string): void => {
        const got = next();
        if (got !== t) throw new Error(`expected '${t}', got '${got}' in ${source}`);
    };
    const expression = (): Node => {
        const t = next();
        if (t.startsWith("'")) return { kind: 'string', value: t.slice(1) };
        if (/^-?\d+$/.test(t)) return { kind: 'number', value: Number(t) };
        expect('(');
        const args: Node[] = [];
        if (tokens[pos] !== ')') {
            for (;;) {
                args.push(expression());
                if (tokens[pos] === ',') pos++;
                else break;
            }
        }
        expect(')');
        const accessors: (string | Node)[] = [];
        for (;;) {
            if (tokens[pos] === '.') {
                pos++;
                accessors.push(next());
            } else if (tokens[pos] === '[') {
                pos++;
                accessors.push(expression());
                expect(']');
            } else {
                break;
            }
        }
        return { kind: 'call', name: t.toLowerCase(), args, accessors };
    };
    const node = expression();
    if (pos !== tokens.length) throw new Error(`trailing tokens in ${source}`);
    return node;
}

function property(target: Value, key: Value): Value {
    if (Array.isArray(target) && typeof key === 'number') return target[key];
    if (target && typeof target === 'object' && typeof key === 'string') {
        const entry = Object.entries(target as Record<string, Value>).find(([k]) => k.toLowerCase() === key.toLowerCase());
        if (entry) return entry[1];
    }
    throw new ArmFailure(`The language expression property '${String(key)}' doesn't exist`);
}

function isEmpty(v: Value): boolean {
    if (v === null || v === undefined || v === '') return true;
    if (Array.isArray(v)) return v.length === 0;
    return typeof v === 'object' && Object.keys(v).length === 0;
}

/** Evaluates a template value: an expression string `[...]`, a literal (nested values included). */
export function evaluate(value: Value, context: ArmContext): Value {
    if (typeof value === 'string') {
        if (value.startsWith('[[')) return value.slice(1);
        if (value.startsWith('[') && value.endsWith(']')) return evaluateNode(parse(value.slice(1, -1)), context);
        return value;
    }
    if (Array.isArray(value)) return value.map((v) => evaluate(v, context));
    if (value && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value as Record<string, Value>).map(([k, v]) => [k, evaluate(v, context)]));
    }
    return value;
}

function evaluateNode(node: Node, context: ArmContext): Value {
    if (node.kind !== 'call') return node.value;
    const args = node.args ?? [];
    const arg = (i: number): Value => evaluateNode(args[i]!, context);
    let result: Value;
    switch (node.name) {
        case 'parameters': {
            const name = String(arg(0));
            if (name in context.parameters) {
                result = context.parameters[name];
            } else {
                const declared = (context.template.parameters as Record<string, Json> | undefined)?.[name];
                if (!declared || !('defaultValue' in declared)) throw new ArmFailure(`parameter ${name} has no value`);
                result = evaluate(declared.defaultValue, context);
            }
            break;
        }
        case 'variables':
            result = evaluate(property(context.template.variables, arg(0)), context);
            break;
        case 'environment':
            result = context.environment;
            break;
        case 'tenant':
            result = { tenantId: context.tenantId ?? '00000000-0000-0000-0000-000000000000' };
            break;
        case 'if':
            result = arg(0) === true ? arg(1) : arg(2);
            break;
        case 'coalesce':
            result = null;
            for (let i = 0; i < args.length && (result === null || result === undefined); i++) result = arg(i);
            break;
        case 'trygetvalue':
        case 'tryget': {
            const target = arg(0);
            const key = arg(1);
            try {
                result = property(target, key);
            } catch (e) {
                if (!(e instanceof ArmFailure)) throw e;
                result = null;
            }
            break;
        }
        case 'fail':
            throw new ArmFailure(String(arg(0)));
        case 'format': {
            const values = args.slice(1).map((_, i) => arg(i + 1));
            result = String(arg(0)).replace(/\{(\d+)\}/g, (_, n: string) => String(values[Number(n)]));
            break;
        }
        case 'empty':
            result = isEmpty(arg(0));
            break;
        case 'not':
            result = arg(0) !== true;
            break;
        case 'equals':
            result = JSON.stringify(arg(0)) === JSON.stringify(arg(1));
            break;
        case 'and':
            result = args.every((_, i) => arg(i) === true);
            break;
        case 'or':
            result = args.some((_, i) => arg(i) === true);
            break;
        case 'split':
            result = String(arg(0)).split(String(arg(1)));
            break;
        case 'contains': {
            const container = arg(0);
            const item = arg(1);
            if (Array.isArray(container)) result = container.includes(item);
            else if (typeof container === 'string') result = container.includes(String(item));
            else result = typeof item === 'string' && container !== null && typeof container === 'object' && item in container;
            break;
        }
        case 'createarray':
            result = args.map((_, i) => arg(i));
            break;
        case 'tolower':
            result = String(arg(0)).toLowerCase();
            break;
        default:
            throw new Error(`ARM function ${String(node.name)}() is not implemented by test/infra/armExpression.ts`);
    }
    for (const accessor of node.accessors ?? []) {
        result = property(result, typeof accessor === 'string' ? accessor : evaluateNode(accessor, context));
    }
    return result;
}
