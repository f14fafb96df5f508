import type { Logger } from '@conveyor/core';
import { escapeJsonControls } from '@conveyor/core/worker';
import { type DestinationStream, type LoggerOptions, pino } from 'pino';

export interface WorkerLoggerOptions {
  /** pino level. Default: `info`. */
  level?: string;
  /** Where the lines go. Default: stdout. */
  destination?: DestinationStream;
}

/**
 * The worker's default logger (`createWorker` without `logger`, and `conveyor worker`): pino
 * JSON lines named `conveyor-worker`. The lines carry job data (an error message, a task's
 * log fields), so every line, a child's too, goes through `escapeJsonControls` on its
 * way out: a job cannot drive the terminal that shows the log.
 *
 * @example
 * const worker = createWorker({ transport, tasks, logger: createWorkerLogger({ level: 'debug' }) });
 */
export function createWorkerLogger(options: WorkerLoggerOptions = {}): Logger {
  const settings: LoggerOptions = {
    level: options.level ?? 'info',
    name: 'conveyor-worker',
    hooks: { streamWrite: escapeJsonControls },
  };
  const logger = options.destination ? pino(settings, options.destination) : pino(settings);
  return logger as unknown as Logger;
}
