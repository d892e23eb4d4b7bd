import type { HostFunctionMetadata } from './HostFunctionMetadata.js';

export interface RoutedRequest {
    readonly functionName: string;
    /** Values of the route template's `{name}` segments. */
    readonly params: Readonly<Record<string, string>>;
}

/** host.json `extensions.http.routePrefix`; this app keeps the default. */
const ROUTE_PREFIX = 'api';

function matchTemplate(template: string, segments: readonly string[]): Record<string, string> | undefined {
    const parts = template.split('/').filter((p) => p !== '');
    const params: Record<string, string> = {};
    for (let i = 0; i < Math.max(parts.length, segments.length); i += 1) {
        const part = parts[i];
        const segment = segments[i];
        if (part === undefined) return undefined;
        const parameter = /^\{([A-Za-z_]\w*)(?::[^}?]*)?(\?)?\}$/.exec(part);
        if (parameter !== null) {
            if (segment === undefined) {
                if (parameter[2] === undefined) return undefined;
                continue;
            }
            params[parameter[1]!] = decodeURIComponent(segment);
        } else if (segment?.toLowerCase() !== part.toLowerCase()) {
            return undefined;
        }
    }
    return params;
}

/**
 * The host's routing, as far as this app needs it: `/api/<route>` (literal segments, case-
 * insensitive, and `{name}`, `{name?}`, `{name:constraint}` parameters, constraints not checked)
 * against each HTTP trigger's route (default: the function name) and methods; literal segments
 * win over parameters, as in ASP.NET Core routing. Undefined when no function matches: the host
 * answers 404 itself and never invokes the worker.
 */
export function routeRequest(functions: readonly HostFunctionMetadata[], method: string, path: string): RoutedRequest | undefined {
    const segments = new URL(path, 'http://route.invalid').pathname.split('/').filter((s) => s !== '');
    if (segments[0]?.toLowerCase() !== ROUTE_PREFIX) return undefined;
    const matches: RoutedRequest[] = [];
    for (const f of functions) {
        const trigger = f.bindings.find((b) => b.type === 'httpTrigger');
        if (trigger === undefined) continue;
        const methods = (trigger.methods as string[] | undefined) ?? [];
        if (methods.length > 0 && !methods.some((m) => m.toUpperCase() === method.toUpperCase())) continue;
        const params = matchTemplate(typeof trigger.route === 'string' ? trigger.route : f.name, segments.slice(1));
        if (params !== undefined) matches.push({ functionName: f.name, params });
    }
    return matches.sort((a, b) => Object.keys(a.params).length - Object.keys(b.params).length)[0];
}
