/** The one line a bench child prints: the parent reads the last stdout line as JSON. */
export function report(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value)}\n`);
}
