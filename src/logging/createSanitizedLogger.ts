import { sanitizeText } from '../errors/sanitizeText.js';
import type { Logger } from './Logger.js';

export type LogWriter = (level: 'info' | 'warn' | 'error', message: string) => void;

/** Every invocation log line goes through the one credential sanitizer. */
export function createSanitizedLogger(write: LogWriter): Logger {
    return {
        info: (message) => {
            write('info', sanitizeText(message));
        },
        warn: (message) => {
            write('warn', sanitizeText(message));
        },
        error: (message) => {
            write('error', sanitizeText(message));
        },
    };
}
