/**
 * When a background loop that keeps failing (a reserve, a sweep, a listing, with the broker
 * gone) writes to the log: at its first failure, when the error changes, then a reminder at
 * most every `reminderMs` while it lasts, and once when it works again. A line per try would
 * bury everything else in the log; one line per outage hides how long it has lasted.
 */
export interface Outage {
  /** Whether the last try failed. */
  readonly ongoing: boolean;
  /**
   * A try failed at `now` (ms, any clock the caller keeps using), with an error `said` to be
   * the same as the last one's when the two texts are equal (its message, by default).
   * Returns what to log, or undefined when this failure goes unsaid.
   */
  failed(now: number, said: string): OutageReport | undefined;
  /** A try worked at `now`: the outage it ends, or undefined when none was going on. */
  recovered(now: number): OutageSoFar | undefined;
}

/** How long an outage has lasted (a type, not an interface: a log line's fields as they are). */
export type OutageSoFar = {
  /** Failed tries since it began (1 at the first). */
  failures: number;
  /** Ms since its first failure. */
  failingForMs: number;
};

/** A failure worth a log line: why this one is said. */
export type OutageReport = OutageSoFar & {
  /** `first` of the outage, a `changed` error, or a `reminder` that it goes on. */
  reason: 'first' | 'changed' | 'reminder';
};

/** The longest a worker's loop that keeps failing goes without a line in the log. */
export const OUTAGE_REMINDER_MS = 60_000;

/** One background loop's outages (see {@link Outage}). */
export function createOutage({ reminderMs = OUTAGE_REMINDER_MS } = {}): Outage {
  let current: { since: number; failures: number; saidAt: number; said: string } | undefined;
  return {
    get ongoing() {
      return current !== undefined;
    },
    failed(now, said) {
      if (!current) {
        current = { since: now, failures: 1, saidAt: now, said };
        return { reason: 'first', failures: 1, failingForMs: 0 };
      }
      current.failures += 1;
      const reason =
        said !== current.said ? 'changed' : now - current.saidAt >= reminderMs ? 'reminder' : '';
      if (reason === '') return undefined;
      current.said = said;
      current.saidAt = now;
      return { reason, failures: current.failures, failingForMs: now - current.since };
    },
    recovered(now) {
      if (!current) return undefined;
      const ended = { failures: current.failures, failingForMs: now - current.since };
      current = undefined;
      return ended;
    },
  };
}

/** `42 s`, `3 min 5 s`: an outage's length in a log line. */
export function outageLength(ms: number): string {
  const seconds = Math.round(ms / 1_000);
  if (seconds < 60) return `${seconds} s`;
  const rest = seconds % 60;
  return `${Math.floor(seconds / 60)} min${rest > 0 ? ` ${rest} s` : ''}`;
}

/**
 * What tells one outage's errors apart in {@link Outage.failed}: a transport's failure kind
 * (`failure`), else the error's `code`, else its message.
 */
export function outageKind(error: unknown): string {
  const { failure, code, message } = (error ?? {}) as {
    failure?: unknown;
    code?: unknown;
    message?: unknown;
  };
  return String(failure ?? code ?? message ?? error);
}
