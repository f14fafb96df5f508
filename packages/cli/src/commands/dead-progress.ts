import type { TransportAdmin } from '@conveyor/core';
import { noteOnInterrupt } from '../interrupt-note.js';
import type { Io } from '../output.js';
import { terminalText } from '../terminal-text.js';

/** A progress line on stderr each time a run has read this many more dead jobs. */
export const PROGRESS_EVERY = 10_000;

/**
 * Prints `Retrying dead jobs of queue q: 10000 of about 1000000 read, 9990 retried.` on
 * stderr each time {@link PROGRESS_EVERY} more dead jobs have been read (nothing on a short
 * run), when stderr is a terminal (`io.progress`): a pipe or a log file gets the result only.
 * Stderr, so that `--json` stays one document on stdout. With `interrupted`, the line an
 * interrupt prints ({@link noteOnInterrupt}) follows the jobs retried, from 0 on.
 */
export async function progressOf(
  admin: TransportAdmin,
  stored: readonly string[],
  what: string,
  io: Io,
  interrupted?: (retried: number, total: number) => string,
): Promise<(read: number, retried?: number) => void> {
  const counts = await admin.queueCounts(stored);
  const total = counts.reduce((sum, count) => sum + count.dead, 0);
  let done = 0;
  if (interrupted) noteOnInterrupt(() => terminalText(interrupted(done, Math.max(done, total))));
  let next = PROGRESS_EVERY;
  return (read, retried) => {
    done = retried ?? done;
    if (read < next || !io.progress) return;
    next = (Math.floor(read / PROGRESS_EVERY) + 1) * PROGRESS_EVERY;
    const moved = retried === undefined ? '' : `, ${retried} retried`;
    io.stderr(terminalText(`${what}: ${read} of about ${Math.max(read, total)} read${moved}.`));
  };
}
