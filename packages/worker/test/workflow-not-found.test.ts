import {
  ConveyorError,
  WorkflowNotFoundError as CoreWorkflowNotFoundError,
  defineTask,
  defineWorkflow,
  newWorkflowId,
} from '@conveyor/core';
import { makeEnvelope } from '@conveyor/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { WorkerError, WorkflowNotFoundError } from '../src/index.js';
import { useWorkflowWorkers } from './workflow-fixtures.js';

// WORKFLOW_NOT_FOUND had two classes: core's (a handle's result()) and the worker's (a step
// job), and neither was an instance of the other. There is one now, core's.
describe('WorkflowNotFoundError', () => {
  it("is core's class, exported by both packages", () => {
    expect(WorkflowNotFoundError).toBe(CoreWorkflowNotFoundError);
    const error = new WorkflowNotFoundError('wf_1', { step: 'charge', child: 2 });
    expect(error).toBeInstanceOf(CoreWorkflowNotFoundError);
    expect(error).toBeInstanceOf(ConveyorError);
    expect(error).not.toBeInstanceOf(WorkerError);
    expect(error).toMatchObject({ code: 'WORKFLOW_NOT_FOUND', workflowId: 'wf_1' });
    expect(error.message).toContain('no record of its child 2 of step "charge"');
  });

  const workers = useWorkflowWorkers();

  it('fails a step job whose workflow has no record, naming the step, not retried', async () => {
    const step = defineTask({ name: 'nf.a', queue: 'nf', input: z.unknown(), run: () => 1 });
    const workflow = defineWorkflow({
      name: 'nf.flow',
      input: z.object({}),
      steps: (flow) => flow.step('a', step),
    });
    const { transport } = workers.start({ workflows: [workflow] });
    const workflowId = newWorkflowId();
    const envelope = makeEnvelope('nf', {
      task: 'nf.a',
      input: {},
      workflow: { id: workflowId, step: 'a', kind: 'run' },
    });
    await transport.enqueue([{ envelope }]);
    await vi.waitFor(
      async () => expect((await transport.getJob(envelope.id))?.state).toBe('failed'),
      { timeout: 15_000, interval: 10 },
    );
    const record = await transport.getJob(envelope.id);
    expect(record?.attempts).toBe(1);
    expect(record?.error).toMatchObject({
      name: 'WorkflowNotFoundError',
      code: 'WORKFLOW_NOT_FOUND',
      message: expect.stringContaining(`Workflow ${workflowId} has no record of its step "a"`),
    });
  });
});
