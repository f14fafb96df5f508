/**
 * SIGTERM/SIGINT of `conveyor worker` in the binary, in two phases.
 *
 * Starting (loading the tasks, connecting): nothing is reserved yet, so a signal exits at once
 * (143/130), whatever the start-up was waiting on. Running (from the moment the worker's own
 * handlers, `installSignalHandlers`, take over): those stop it, gracefully, then at once on a
 * second signal, which still gives its jobs back to the broker. Should the broker not answer
 * (paused, half-open), each call waits out the command timeout: the second signal of this
 * phase bounds the stop at {@link STOP_NOW_MS}, and a third exits at once. Jobs not given back
 * return when their leases run out. The running phase counts its signals afresh: one that
 * ended nothing during start-up does not make the first after "Ready" the second.
 */

const EXIT_ON = { SIGINT: 130, SIGTERM: 143 } as const;
/** How long a worker may take to stop after a second signal before it exits anyway. */
export const STOP_NOW_MS = 10_000;

type Phase = 'none' | 'starting' | 'running';
let phase: Phase = 'none';

/** Installs the process's handlers for `conveyor worker`, in the starting phase. */
export function guardWorkerProcess(): void {
  phase = 'starting';
  let received = 0;
  const leave = (signal: keyof typeof EXIT_ON, why: string) => {
    process.stderr.write(`conveyor worker: ${why}\n`);
    process.exit(EXIT_ON[signal]);
  };
  const exitLate = '; jobs not given back run again when their leases run out.';
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (phase === 'starting') {
        leave(signal, `${signal} before the worker was ready: stopped starting, no job taken.`);
      }
      received += 1;
      if (received === 2) {
        setTimeout(
          () =>
            leave(
              signal,
              `not stopped ${STOP_NOW_MS / 1000} s after the second signal: exiting without waiting for Redis${exitLate}`,
            ),
          STOP_NOW_MS,
        ).unref();
      }
      if (received >= 3)
        leave(signal, `third signal: exiting without waiting for Redis${exitLate}`);
    });
  }
}

/**
 * Called by `conveyor worker` as it installs its own signal handlers: from here a signal
 * stops the worker (gracefully first) rather than the start-up. A no-op in-process, where
 * {@link guardWorkerProcess} was not called.
 */
export function workerHandlersInstalled(): void {
  if (phase === 'starting') phase = 'running';
}
