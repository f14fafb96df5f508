import { InvalidOptionError, type Logger } from '@conveyor/core';
import { escapeJsonControls } from '@conveyor/core/worker';
import { type DestinationStream, type LevelWithSilent, type LoggerOptions, pino } from 'pino';

const LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface WorkerLoggerOptions {
  /** pino level: fatal, error, warn, info, debug, trace or silent. Default: `info`. */
  level?: LevelWithSilent;
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
  const level = options.level ?? 'info';
  if (!LEVELS.includes(level)) {
    throw new InvalidOptionError('level', level, `one of ${LEVELS.join(', ')}`);
  }
  const settings: LoggerOptions = {
    level,
    name: 'conveyor-worker',
    hooks: { streamWrite: escapeJsonControls },
  };
  const logger = pino(settings, options.destination ?? stdoutDestination());
  return logger as unknown as Logger;
}

/**
 * Stdout, written line by line as each line is logged (pino's `sync` destination). pino's
 * default buffers and flushes what is left at exit with sonic-boom's `flushSync`, which retries
 * a failed write for ever: once the reader of a pipe was gone (`conveyor worker | head -2`),
 * the process printed "Stopped" and never exited, deaf to signals. A broken pipe now only
 * drops the lines after it; nothing is left to flush at exit.
 */
function stdoutDestination(): DestinationStream {
  return pino.destination({ dest: 1, sync: true });
}
