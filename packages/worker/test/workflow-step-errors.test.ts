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

  // A throwing mapping ran through all the task's attempts, with back-off, and its failure
  // read as the task's ("attempt 3 of 3"): mappings are pure, so it would throw every time.
  it.each([
    ['step', 'input mapping'],
    ['map', 'items mapping'],
    ['compensation', 'input mapping'],
  ] as const)(
    "a %s's throwing %s fails the step at once, not retried, and says it was the mapping",
    async (kind, what) => {
      let sent = 0;
      const sendEmail = defineTask({
        name: `se.sendEmail.${kind}`,
        queue: 'se',
        input: z.unknown(),
        retry: { attempts: 3, backoff: { type: 'fixed', delay: 1, jitter: 0 } },
        run: () => {
          sent += 1;
          return null;
        },
      });
      const fail = defineTask({
        name: `se.fail.${kind}`,
        queue: 'se',
        input: z.unknown(),
        retry: { attempts: 1 },
        run: () => {
          throw new Error('a broke');
        },
      });
      const explode = (): never => {
        throw new Error('mapping exploded');
      };
      const workflow = defineWorkflow({
        name: `se.throws.${kind}`,
        input: Input,
        steps: (flow) =>
          kind === 'step'
            ? flow.step('a', sendEmail).step('b', sendEmail, { input: explode })
            : kind === 'map'
              ? flow.step('a', sendEmail).map('b', sendEmail, { items: explode })
              : flow
                  .step('a', fail, { onFailure: { compensate: 'b' } })
                  .compensation('b', sendEmail, { input: explode }),
      });
      const { transport } = workers.start({ workflows: [workflow] });
      const id = await startWorkflow(transport, workflow, { userId: 'u1' });
      const record = await settledAs(transport, id, 'failed');
      expect(sent).toBe(kind === 'compensation' ? 0 : 1);
      const step = record.steps.find((s) => s.step === 'b' && s.child === undefined);
      expect(record.failure?.step).toBe(kind === 'compensation' ? 'a' : 'b');
      expect(step).toMatchObject({
        state: 'failed',
        error: { code: 'WORKFLOW_MAPPING_FAILED', name: 'WorkflowMappingError' },
      });
      const label =
        kind === 'map' ? 'map step "b"' : kind === 'step' ? 'step "b"' : 'compensation "b"';
      expect(step?.error?.message).toContain(`${label}'s ${what} threw: mapping exploded`);
      expect(step?.error?.message).toContain(`conveyor workflows retry ${id}`);
      const job = await transport.getJob(step?.jobId as string);
      expect(job).toMatchObject({ state: 'failed', attempts: 1 });
    },
  );
});
