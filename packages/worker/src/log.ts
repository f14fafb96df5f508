import type { LogFn, Logger } from '@conveyor/core';

/**
 * A logger adding `fields` to every line. It calls the base logger's methods as methods,
 * so a pino logger (whose methods need `this`) works.
 */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  const wrap = (level: keyof Logger): LogFn =>
    ((first: string | Record<string, unknown>, message?: string) => {
      if (typeof first === 'string') logger[level](fields, first);
      else logger[level]({ ...fields, ...first }, message);
    }) as LogFn;
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
