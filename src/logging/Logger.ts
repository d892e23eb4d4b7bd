/** The logging seam of the core; the Functions adapter passes InvocationContext, the CLI stderr. */
export interface Logger {
    info(message: string): void;
    warn(message: string): void;
    error(message: string): void;
}
