import { InvalidOptionError, type Logger } from '@conveyor/core';
import { escapeJsonControls } from '@conveyor/core/worker';
import { type DestinationStream, type LevelWithSilent, type LoggerOptions, pino } from 'pino';
import { stdoutLines } from './stdout-lines.js';
import { textLines } from './text-lines.js';

const LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface WorkerLoggerOptions {
  /** pino level: fatal, error, warn, info, debug, trace or silent. Default: `info`. */
  level?: LevelWithSilent;
  /** Where the lines go. Default: stdout. */
  destination?: DestinationStream;
  /**
   * `json` (the default): one pino JSON object per line, for log collectors. `text`: a line a
   * person reads, `12:04:05.123 INFO  job completed jobId=… task=…`, an error's stack below it.
   */
  format?: 'json' | 'text';
}

/**
 * The worker's default logger (`createWorker` without `logger`, and `conveyor worker`): pino
 * JSON lines named `conveyor-worker` (or, with `format: 'text'`, lines for a person). The lines carry job data (an error message, a task's
 * log fields), so every line, a child's too, goes through `escapeJsonControls` on its
 * way out: a job cannot drive the terminal that shows the log.
 *
 * @example
 * const worker = createWorker({ transport, tasks, logger: createWorkerLogger({ level: 'debug' }) });
 */
export function createWorkerLogger(options: WorkerLoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  if (!LEVELS.includes(level)) {
    throw new InvalidOptionError('level', level, `one of ${LEVELS.join(', ')}`);
  }
  const settings: LoggerOptions = {
    level,
    name: 'conveyor-worker',
    hooks: { streamWrite: escapeJsonControls },
    // pino's default appends each cause's message to the error's: Conveyor's errors quote
    // their cause already, so it read twice. The cause stays, as an object of its own.
    serializers: { err: pino.stdSerializers.errWithCause },
  };
  const format = options.format ?? 'json';
  if (format !== 'json' && format !== 'text') {
    throw new InvalidOptionError('format', format, 'json or text');
  }
  const destination = options.destination ?? stdoutLines();
  const logger = pino(settings, format === 'text' ? textLines(destination) : destination);
  return logger as unknown as Logger;
}
