import type { Presence } from './presence.js';
import type { SandboxPool } from './sandbox-pool.js';
import type { ScheduleTicker } from './schedule-ticker.js';

/**
 * How far `start()` got before it could run, or where `stop()` interrupted it:
 * - `ready`: every step done;
 * - `stopped`: stopped before anything was sent to the broker;
 * - `stopped-sent`: stopped after the worker record went out, each call answered;
 * - `stopped-unanswered`: stopped while a broker call was unanswered (a broker that is down:
 *   the call waits out its command timeout, which the stop does not wait for).
 */
export type StartOutcome = 'ready' | 'stopped' | 'stopped-sent' | 'stopped-unanswered';

const STOPPED = Symbol('stopped while starting');

/** Lets `stop()` cut start-up short: each step is raced against it. */
export interface StartAbort {
  abort(): void;
  readonly aborted: boolean;
  /** `step`'s value, or STOPPED once aborted; a step left behind may still fail, unheard. */
  race<T>(step: Promise<T>): Promise<T | typeof STOPPED>;
}

export function createStartAbort(): StartAbort {
  let aborted = false;
  let wake: () => void = () => {};
  const stopped = new Promise<typeof STOPPED>((resolve) => {
    wake = () => resolve(STOPPED);
  });
  return {
    abort() {
      aborted = true;
      wake();
    },
    get aborted() {
      return aborted;
    },
    race(step) {
      // Left behind, the step's own failure must not surface as an unhandled rejection.
      step.catch(() => {});
      return aborted ? Promise.resolve(STOPPED) : Promise.race([step, stopped]);
    },
  };
}

/**
 * The start-up steps before a worker runs, each cut short by `stop()`: warm the sandbox (a
 * module that cannot load fails start(), not every job later), then store the declared
 * schedules. The worker's record, which lists them, goes first, so that a schedule is never
 * shown orphaned (declared by no live worker) while the worker that declares it starts; a
 * refused schedule fails start() and takes the record away again.
 */
export async function prepareStart(options: {
  abort: StartAbort;
  sandbox: SandboxPool | undefined;
  sandboxTasks: Iterable<string> | undefined;
  presence: Presence;
  ticker: ScheduleTicker | undefined;
  declaresSchedules: boolean;
}): Promise<StartOutcome> {
  const { abort, sandbox, sandboxTasks, presence, ticker } = options;
  if (abort.aborted) return 'stopped';
  if (sandbox && sandboxTasks) {
    if ((await abort.race(sandbox.warm([...sandboxTasks]))) === STOPPED) return 'stopped';
  }
  if (!ticker || !options.declaresSchedules) return abort.aborted ? 'stopped' : 'ready';
  if ((await abort.race(presence.publish())) === STOPPED) return 'stopped-unanswered';
  try {
    if ((await abort.race(ticker.register())) === STOPPED) return 'stopped-unanswered';
  } catch (error) {
    await presence.remove();
    throw error;
  }
  return abort.aborted ? 'stopped-sent' : 'ready';
}
