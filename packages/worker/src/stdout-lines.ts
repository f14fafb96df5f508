import { writeSync } from 'node:fs';
import type { DestinationStream } from 'pino';

/** Wait before writing again after the pipe was full (EAGAIN on a non-blocking descriptor). */
const FULL_PIPE_WAIT_MS = 10;

/**
 * The default logger's destination: log lines written to a file descriptor (stdout), those
 * logged in one turn of the event loop gathered into one write at its end, so a busy worker
 * makes one system call per batch of lines, not one per line.
 *
 * Written for a failure of pino's own default: it flushes its buffered lines at exit with
 * sonic-boom's `flushSync`, which retries a failed write for ever, so a worker whose stdout
 * reader had gone (`conveyor worker | head -2`) printed "Stopped" and never exited, deaf to
 * signals. Here a broken pipe (any error but a full pipe) drops the lines from then on, and
 * the exit writes what is left, giving up at the first failure. One per process: every default
 * logger shares it (one exit listener, lines kept in the order they were logged).
 */
export function stdoutLines(): DestinationStream {
  shared ??= linesTo(1);
  return shared;
}

let shared: DestinationStream | undefined;

function linesTo(fd: number): DestinationStream {
  let pending: Buffer[] = [];
  let scheduled = false;
  let broken = false;

  /** Writes `text` whole; answers what is left when the pipe is full. Throws on other errors. */
  const writeAll = (text: Buffer): Buffer | undefined => {
    let rest = text;
    while (rest.length > 0) {
      try {
        rest = rest.subarray(writeSync(fd, rest));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return rest;
        throw error;
      }
    }
    return undefined;
  };

  const flush = (): void => {
    scheduled = false;
    if (broken || pending.length === 0) return;
    const text = Buffer.concat(pending);
    pending = [];
    try {
      const rest = writeAll(text);
      if (rest !== undefined) {
        pending.unshift(rest);
        scheduled = true;
        setTimeout(flush, FULL_PIPE_WAIT_MS).unref();
      }
    } catch {
      // EPIPE (nobody reads any more) or a closed descriptor: the lines are lost from now on.
      broken = true;
      pending = [];
    }
  };

  process.once('exit', flush);

  return {
    write(line: string): void {
      if (broken) return;
      pending.push(Buffer.from(line));
      if (scheduled) return;
      scheduled = true;
      setImmediate(flush);
    },
  };
}
