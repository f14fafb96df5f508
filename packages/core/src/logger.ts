/** A log method: `log('message')` or `log({ field: 1 }, 'message')`, as in pino. */
export interface LogFn {
  (message: string): void;
  (fields: Record<string, unknown>, message?: string): void;
}

/** The logging surface tasks see. A pino logger satisfies it. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const noop: LogFn = () => {};

/** Discards everything. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * A minimal logger on `console` with fixed fields (job id, task, attempt) on every line.
 * Workers use pino; this serves in-process examples and tests.
 */
export function consoleLogger(bindings: Record<string, unknown> = {}): Logger {
  const make =
    (level: 'debug' | 'info' | 'warn' | 'error'): LogFn =>
    (first: string | Record<string, unknown>, message?: string) => {
      const fields = typeof first === 'string' ? bindings : { ...bindings, ...first };
      const text = typeof first === 'string' ? first : (message ?? '');
      console[level](`[${level}] ${text}`, Object.keys(fields).length > 0 ? fields : '');
    };
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}
