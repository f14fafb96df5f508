import { waitOrAbort } from '../abortable-wait.js';
import { CliError } from '../errors.js';
import type { Io } from '../output.js';
import { terminalText } from '../terminal-text.js';

/**
 * Runs `open` and, while it fails because the broker cannot be reached (exit 3), again once a
 * second for up to `seconds` (`conveyor worker --wait-for-broker`): a worker started beside
 * Redis (docker compose, a pod) before Redis answers. Says so once on stderr. Resolves with
 * undefined when `signal` aborts while it waits; any other failure, or the last one, throws.
 */
export async function openWhenReachable<T>(
  open: () => Promise<T>,
  seconds: number,
  io: Io,
  signal?: AbortSignal,
): Promise<T | undefined> {
  const deadline = Date.now() + seconds * 1_000;
  let told = false;
  for (;;) {
    try {
      return await open();
    } catch (error) {
      const unreachable = error instanceof CliError && error.code === 'REDIS_UNREACHABLE';
      if (!unreachable || Date.now() >= deadline || signal?.aborted) throw error;
      if (!told) {
        const first = error.message.split('\n')[0] ?? '';
        io.stderr(
          terminalText(
            `${first} Trying again every second for up to ${seconds} s (--wait-for-broker).`,
          ),
        );
        told = true;
      }
      if (!(await waitOrAbort(1_000, signal))) return undefined;
    }
  }
}
