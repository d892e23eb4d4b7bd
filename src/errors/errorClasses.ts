import { AppError, type AppErrorCode, type AppErrorOptions } from './AppError.js';

/** A setting is missing or malformed. Lists every bad setting by name. */
export class ConfigurationError extends AppError {
    readonly settings: readonly string[];
    constructor(problems: readonly { readonly name: string; readonly problem: string }[]) {
        super('ConfigurationInvalid', `Invalid configuration: ${problems.map((p) => `${p.name} ${p.problem}`).join('; ')}`, {
            status: 500,
            hint: 'Set these app settings (local.settings.json Values when running locally).',
        });
        this.settings = problems.map((p) => p.name);
    }
}

/** The caller sent something the API does not accept. Always a 400. */
export class BadRequestError extends AppError {
    readonly parameter: string | undefined;
    constructor(message: string, parameter?: string) {
        super('BadRequest', message, { status: 400 });
        this.parameter = parameter;
    }
}

/** Reading the client secret from Key Vault failed. */
export class SecretError extends AppError {
    constructor(code: AppErrorCode, message: string, options: AppErrorOptions) {
        super(code, message, { status: 503, ...options });
    }
}

/** Getting the app-only Graph token from Entra ID failed. */
export class TokenError extends AppError {
    readonly aadstsCode: number | undefined;
    constructor(code: AppErrorCode, message: string, options: AppErrorOptions & { readonly aadstsCode?: number }) {
        super(code, message, { status: 503, ...options });
        this.aadstsCode = options.aadstsCode;
    }
}

/** Microsoft Graph answered with an error, or could not be reached. */
export class GraphError extends AppError {
    readonly httpStatus: number | undefined;
    readonly graphCode: string | undefined;
    constructor(
        code: AppErrorCode,
        message: string,
        options: AppErrorOptions & { readonly httpStatus?: number; readonly graphCode?: string },
    ) {
        super(code, message, { status: 502, ...options });
        this.httpStatus = options.httpStatus;
        this.graphCode = options.graphCode;
    }
}
