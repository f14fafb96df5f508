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

/** A logger that can make children carrying fixed fields, as pino (and bunyan) can. */
interface ChildLogger extends Logger {
  child(bindings: Record<string, unknown>): Logger;
}

/**
 * A logger adding `fields` to every line. A logger with `child` (pino) makes a child,
 * which serializes the fields once instead of copying them into every line's object;
 * any other gets a wrapper that merges them into each line (the line's own fields win)
 * and calls its methods as methods, so loggers whose methods need `this` work. The
 * silent logger stays itself: wrapping it would copy fields into every line for nothing.
 *
 * @example
 * const jobLogger = withFields(logger, { jobId: ctx.jobId });
 */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  if (logger === silentLogger) return logger;
  if (typeof (logger as Partial<ChildLogger>).child === 'function') {
    return (logger as ChildLogger).child(fields);
  }
  const wrap = (level: keyof Logger): LogFn =>
    ((first: string | Record<string, unknown>, message?: string) => {
      if (typeof first === 'string') logger[level](fields, first);
      else logger[level]({ ...fields, ...first }, message);
    }) as LogFn;
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

/**
 * A minimal logger on `console` with fixed fields on every line: `createClient`'s default
 * when it is given no `logger`. Internal: users pass their own (pino fits), workers use pino.
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

/**
 * What JSON leaves raw but a terminal acts on: DEL, C1 controls (U+0080–U+009F: 0x9B is a
 * one-byte CSI), the line and paragraph separators, and the bidi marks, embeddings,
 * overrides and isolates. C0 controls (ESC among them) JSON escapes already.
 */
const JSON_RAW_CONTROLS =
  /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON text with {@link JSON_RAW_CONTROLS} written as `\uXXXX` escapes: the same JSON value,
 * safe to print. They only occur inside strings, where the escape is valid.
 *
 * @example
 * escapeJsonControls('{"key":"a\u009b2J"}'); // '{"key":"a\\u009b2J"}'
 */
export function escapeJsonControls(json: string): string {
  return json.replace(
    JSON_RAW_CONTROLS,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Characters a terminal acts on instead of showing: C0 controls (tab and newline too, so a
 * value stays on its line), DEL, C1 controls (U+0080–U+009F: 0x9B is a one-byte CSI), the
 * line and paragraph separators, and the bidi marks, embeddings, overrides and isolates.
 */
const TERMINAL_CONTROLS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point.
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED_CONTROLS: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(char: string): string {
  const named = NAMED_CONTROLS[char];
  if (named) return named;
  const code = char.charCodeAt(0);
  const hex = code.toString(16).padStart(code < 0x100 ? 2 : 4, '0');
  return code < 0x100 ? `\\x${hex}` : `\\u${hex}`;
}

/**
 * Text from job data, safe to print on a terminal on one line: every control character is
 * shown as an escape (`\x1b`, `\n`, `\x9b`, `\u202e`) instead of being sent raw (the CLI's
 * output and the worker's text log). Split multi-line text (a stack) on newlines first.
 *
 * @example
 * terminalText('bad input: \x1b]0;pwned\x07'); // 'bad input: \\x1b]0;pwned\\x07'
 */
export function terminalText(text: string): string {
  return text.replace(TERMINAL_CONTROLS, visible);
}

/** Whether `text` holds a character {@link terminalText} would show as an escape. */
export function hasTerminalControls(text: string): boolean {
  TERMINAL_CONTROLS.lastIndex = 0;
  return TERMINAL_CONTROLS.test(text);
}
