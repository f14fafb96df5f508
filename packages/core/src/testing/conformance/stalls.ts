import type { TestContext } from 'vitest';

/**
 * On a real clock each rule assumes the machine keeps up with it: "still delayed after 1
 * unit" of a job due after 4 holds only if the test reads the job before the other 3 pass.
 * A busy machine can stall the test process or the broker for longer than that, and the
 * rule then fails though the transport did nothing wrong. So a failed run that took more
 * than one time unit longer than the time it let pass is marked as stalled, and runs again
 * (twice at most). A run that kept to its time fails at once, and so does a failure that
 * repeats in every run. On a manual clock advances take no real time: no run is stalled.
 * The clock is real when the harness says so (`realClock`), or once an advance took real
 * time: a harness that does not say so gets no second run for a stall before its first
 * advance.
 */
const STALLED = 'this run stalled';

/** The suite's retry option: only stalled runs run again. */
export const RETRY_STALLED = { count: 2, condition: new RegExp(STALLED) };

/** How long a real-clock wait keeps waiting past its bound, to say how late it was. */
export const LATE_WAIT_MS = 30_000;

/** Measures one test run against the time it let pass. */
export interface StallMeter {
  /** True once an advance took real time: the transport runs on a real clock. */
  readonly realClock: boolean;
  /** Call at the start of each run. */
  start(): void;
  /** Call with each advance's ms; awaits it and notes whether it took real time. */
  advance(ms: number, advance: (ms: number) => Promise<void>): Promise<void>;
  /** Call after each run: marks a failed run that stalled, so that it runs again. */
  finish(context: TestContext, unitMs: number): void;
}

/** `realClock`: the harness says its clock is real; otherwise the first real advance tells. */
export function createStallMeter(knownReal = false): StallMeter {
  let startedAt = 0;
  let letPassMs = 0;
  let realClock = knownReal;
  return {
    get realClock() {
      return realClock;
    },
    start() {
      startedAt = performance.now();
      letPassMs = 0;
    },
    async advance(ms, advance) {
      const before = performance.now();
      await advance(ms);
      letPassMs += ms;
      if (ms > 0 && performance.now() - before >= ms) realClock = true;
    },
    finish(context, unitMs) {
      const errors = context.task.result?.errors;
      const error = errors?.[errors.length - 1];
      if (!realClock || context.task.result?.state !== 'fail' || !error) return;
      const tookMs = performance.now() - startedAt;
      const overrunMs = tookMs - letPassMs;
      if (overrunMs <= unitMs) return;
      const note = `${STALLED}: it took ${Math.round(tookMs)} ms while letting ${Math.round(letPassMs)} ms pass, more than a time unit (${unitMs} ms) over, so the machine may have broken the rule's timing. It runs again, twice at most.`;
      error.message = `${error.message}\n(${note})`;
      console.warn(`[conformance] ${context.task.name}: ${note}`);
    },
  };
}
