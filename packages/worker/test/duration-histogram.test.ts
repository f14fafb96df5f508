import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerDurationHistogram } from '../src/duration-histogram.js';

const config = {
  name: 'conveyor_job_duration_seconds',
  help: 'How long runs took, per task and outcome.',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
};

/** The same observations into prom-client's own Histogram and into ours. */
function both() {
  const theirs = new Registry();
  const ours = new Registry();
  const histogram = new Histogram({
    ...config,
    labelNames: ['task', 'outcome'],
    registers: [theirs],
  });
  const duration = registerDurationHistogram(ours, config);
  return {
    observe(task: string, outcome: string, seconds: number) {
      histogram.observe({ task, outcome }, seconds);
      duration.observe(task, outcome, seconds);
    },
    texts: async () => [await theirs.metrics(), await ours.metrics()],
  };
}

describe('duration histogram', () => {
  it('renders exactly the text of a prom-client Histogram with the same observations', async () => {
    const pair = both();
    const tasks = ['a.one', 'b"quoted\\task', 'c.three'];
    const outcomes = ['completed', 'failed', 'retried', 'dead'];
    for (let i = 0; i < 500; i++) {
      // On bucket bounds, between them, past the last one, and zero.
      const seconds = [0, 0.005, 0.0051, 0.1, 2.5, 299.99, 300, 301, (i % 37) * 0.0137][
        i % 9
      ] as number;
      pair.observe(tasks[i % 3] as string, outcomes[(i * 7) % 4] as string, seconds);
    }
    const [theirs, ours] = await pair.texts();
    expect(ours).toBe(theirs);
    expect(ours).toContain('conveyor_job_duration_seconds_count{task="a.one",outcome=');
  });

  it('renders the header only before the first observation', async () => {
    const [theirs, ours] = await both().texts();
    expect(ours).toBe(theirs);
  });

  it('rejects a duration that is not a finite number, as prom-client does', () => {
    const ours = registerDurationHistogram(new Registry(), config);
    expect(() => ours.observe('t', 'completed', Number.NaN)).toThrow(TypeError);
  });
});
