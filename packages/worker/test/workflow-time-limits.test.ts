import { defineTask, defineWorkflow } from '@conveyor/core';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { captureLogger, deferred } from './helpers.js';
import { resultOf, settledAs, startWorkflow, useWorkflowWorkers } from './workflow-fixtures.js';

describe('a step job past its hard time limit', () => {
  const workers = useWorkflowWorkers();

  it('records nothing when its abandoned run ends late: the step takes the attempt that settled', async () => {
    const first = deferred<string>();
    const second = deferred<string>();
    let runs = 0;
    // Ignores ctx.signal: its first run goes on past the hard limit, unheard.
    const slow = defineTask({
      name: 'tl.slow',
      queue: 'tl',
      input: z.object({}),
      // Long enough for the test to settle the second run well inside its own limit.
      timeout: { hard: 1_000 },
      retry: { attempts: 2, backoff: { type: 'fixed', delay: 1, jitter: 0 } },
      run() {
        runs += 1;
        return runs === 1 ? first.promise : second.promise;
      },
    });
    const workflow = defineWorkflow({
      name: 'tl.flow',
      input: z.object({}),
      steps: (flow) => flow.step('slow', slow),
    });
    const logger = captureLogger();
    const { transport } = workers.start({ workflows: [workflow], logger });
    const id = await startWorkflow(transport, workflow, {});
    // The first run was failed at its hard limit and the retry is running.
    await vi.waitFor(() => expect(runs).toBe(2), { timeout: 30_000, interval: 5 });
    first.resolve('late');
    await vi.waitFor(
      () =>
        expect(logger.lines.map((line) => line.message)).toContain(
          'ignoring the completed outcome of a job already settled',
        ),
      { timeout: 30_000, interval: 5 },
    );
    second.resolve('in time');
    await settledAs(transport, id, 'completed');
    expect(await resultOf(transport, id, 'slow')).toBe('in time');
  });
});
