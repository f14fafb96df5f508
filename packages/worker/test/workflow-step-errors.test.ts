import { defineTask, defineWorkflow } from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { settledAs, startWorkflow, useWorkflowWorkers } from './workflow-fixtures.js';

// How a step job that cannot run its task says so: the error names the step and what to fix,
// and is classed as what it is (docs/workflows.md §1, §4).

const Input = z.object({ userId: z.string() });

describe('a step whose input mapping is at fault', () => {
  const workers = useWorkflowWorkers();

  // The advice was a job's: "conveyor retry <step job>" (refused for step jobs) or "fix the
  // producer and enqueue the job anew", though the step's mapping made the input.
  it('a refused input names the step and its mapping, and says to retry the workflow', async () => {
    const fetchUser = defineTask({
      name: 'se.fetchUser',
      queue: 'se',
      input: Input,
      run: (input) => ({ userId: input.userId }),
    });
    let charged = 0;
    const charge = defineTask({
      name: 'se.charge',
      queue: 'se',
      input: z.object({ userId: z.string(), cents: z.number().int() }),
      run: () => {
        charged += 1;
        return null;
      },
    });
    const workflow = defineWorkflow({
      name: 'se.refused',
      input: Input,
      steps: (flow) =>
        flow
          .step('a', fetchUser)
          .step('b', charge, { input: (user) => ({ userId: user.userId, cents: 1.5 }) }),
    });
    const { transport } = workers.start({ workflows: [workflow] });
    const id = await startWorkflow(transport, workflow, { userId: 'u1' });
    const record = await settledAs(transport, id, 'failed');
    expect(charged).toBe(0);
    const message = record.failure?.error.message ?? '';
    expect(record.failure).toMatchObject({ step: 'b', error: { code: 'VALIDATION_FAILED' } });
    expect(message).toMatch(/^Invalid input for task "se\.charge": cents: /);
    expect(message).toContain(`step "b" of workflow ${id}`);
    expect(message).toContain('input mapping');
    expect(message).toContain(`conveyor workflows retry ${id}`);
    expect(message).not.toContain('conveyor retry ');
    expect(message).not.toContain('enqueue the job anew');
  });
});
