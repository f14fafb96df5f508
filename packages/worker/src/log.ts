import { type LogFn, type Logger, silentLogger } from '@conveyor/core';

/** A logger that can make children carrying fixed fields, as pino (and bunyan) can. */
interface ChildLogger extends Logger {
  child(bindings: Record<string, unknown>): Logger;
}

/**
 * A logger adding `fields` to every line. A pino logger gets a `child`, which serializes
 * the fields once instead of copying them into every line's object; any other logger a
 * wrapper that calls its methods as methods (so loggers whose methods need `this` work).
 * The silent logger stays itself: wrapping it would copy fields into every line for nothing.
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
