import { describe, expect, it } from 'vitest';
import { type Logger, silentLogger, withFields } from '../src/logger.js';

// One withFields for the worker's logger and every task's ctx.logger.

describe('withFields', () => {
  it('keeps the silent logger as it is', () => {
    expect(withFields(silentLogger, { jobId: 'q:1' })).toBe(silentLogger);
  });

  it('makes a child of a logger that has child() (pino), so fields are bound once', () => {
    const bound: Array<Record<string, unknown>> = [];
    const child = { ...silentLogger };
    const parent = {
      ...silentLogger,
      child: (fields: Record<string, unknown>) => {
        bound.push(fields);
        return child;
      },
    };
    expect(withFields(parent, { workerId: 'w1' })).toBe(child);
    expect(bound).toEqual([{ workerId: 'w1' }]);
  });

  it("merges the fields into other loggers' lines (the line's own win), calling them as methods", () => {
    const lines: unknown[][] = [];
    class MethodLogger implements Logger {
      readonly prefix = 'kept';
      debug(...args: unknown[]) {
        lines.push(['debug', this.prefix, ...args]);
      }
      info(...args: unknown[]) {
        lines.push(['info', this.prefix, ...args]);
      }
      warn(...args: unknown[]) {
        lines.push(['warn', this.prefix, ...args]);
      }
      error(...args: unknown[]) {
        lines.push(['error', this.prefix, ...args]);
      }
    }
    const logger = withFields(new MethodLogger(), { jobId: 'q:1', attempt: 1 });
    logger.info('hello');
    logger.warn({ attempt: 2, extra: true }, 'again');
    expect(lines).toEqual([
      ['info', 'kept', { jobId: 'q:1', attempt: 1 }, 'hello'],
      ['warn', 'kept', { jobId: 'q:1', attempt: 2, extra: true }, 'again'],
    ]);
  });
});
