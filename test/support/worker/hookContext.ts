/**
 * A hook context as the worker builds them (src/eventHandlers/InvocationHandler.ts, src/startApp.ts):
 * `readOnly` members have a getter and a setter that throws; `writable` members are plain
 * properties the hook may replace (inputs, functionCallback, result, error).
 */
export function hookContext<W extends Record<string, unknown>>(
    readOnly: Readonly<Record<string, unknown>>,
    writable: W,
): W & Record<string, unknown> {
    const context: Record<string, unknown> = { ...writable };
    for (const [name, value] of Object.entries(readOnly)) {
        Object.defineProperty(context, name, {
            enumerable: true,
            get: () => value,
            set: () => {
                throw new TypeError(`Cannot assign to read only property "${name}"`);
            },
        });
    }
    return context as W & Record<string, unknown>;
}
