import type { TestContext } from 'vitest';
import { describe, expect, it } from 'vitest';
import { createStallMeter } from '../src/testing/conformance/stalls.js';

/** A failed run's context, as vitest hands it to `afterEach`, with one error. */
function failedRun(message: string) {
  const error = { message };
  const context = {
    task: { name: 'a rule', result: { state: 'fail', errors: [error] } },
  } as unknown as TestContext;
  return { context, error };
}

/** Spends `ms` of real time without sleeping on a timer: a machine that stalls the test. */
function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: the process is not free to run anything else, as under load
  }
}

describe('the conformance suite’s stall meter', () => {
  it('marks a failed run that stalled before its first advance when the harness says its clock is real', () => {
    const meter = createStallMeter(true);
    meter.start();
    stall(30);
    const { context, error } = failedRun('expected [ job ] to deeply equal []');
    meter.finish(context, 10);
    expect(error.message).toMatch(/^expected \[ job \] to deeply equal \[\]\n\(this run stalled: /);
    expect(error.message).toContain('more than a time unit (10 ms) over');
  });

  it('leaves such a run failed when nothing says the clock is real (a manual clock takes no real time)', () => {
    const meter = createStallMeter();
    meter.start();
    stall(30);
    const { context, error } = failedRun('expected [ job ] to deeply equal []');
    meter.finish(context, 10);
    expect(error.message).toBe('expected [ job ] to deeply equal []');
  });

  it('takes the clock for real once an advance took real time, as before', async () => {
    const meter = createStallMeter();
    meter.start();
    await meter.advance(5, (ms) => new Promise((resolve) => setTimeout(resolve, ms + 1)));
    expect(meter.realClock).toBe(true);
    stall(30);
    const { context, error } = failedRun('still delayed');
    meter.finish(context, 10);
    expect(error.message).toContain('this run stalled');
  });

  it('fails at once a run on a real clock that kept to its time', async () => {
    const meter = createStallMeter(true);
    meter.start();
    await meter.advance(20, (ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    const { context, error } = failedRun('still delayed');
    // Nothing else ran: the run took about the 20 ms it let pass, far under 5,000 ms over.
    meter.finish(context, 5_000);
    expect(error.message).toBe('still delayed');
  });
});
