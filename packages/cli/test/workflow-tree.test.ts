import {
  describeWorkflow,
  type JobError,
  memoryTransport,
  newWorkflowId,
  type OnFailure,
  type TransportWith,
  type WorkflowPlan,
} from '@conveyor/core';
import { describe, expect, it } from 'vitest';
import { describeWorkflowTree } from '../src/workflow-tree.js';

// `conveyor inspect <wf id>`'s line under a map step that has no children: a map that will
// never expand (skipped, failed, cancelled, or its run ended first) does not read as one
// about to, and one that expanded to no items says so.

const step = (name: string, onFailure: OnFailure = 'fail') => ({
  name,
  task: `t.${name}`,
  queue: 'tree',
  maxAttempts: 1,
  priority: 0,
  onFailure,
  mapped: name === 'each',
});

function plan(mapFailure: OnFailure): WorkflowPlan {
  return {
    workflow: 't.tree',
    stages: [
      { kind: 'step', steps: [step('first')] },
      { kind: 'map', steps: [step('each', mapFailure)] },
      { kind: 'step', steps: [step('after')] },
    ],
    compensations: [],
    fingerprint: '0123456789abcdef',
  };
}

const broke: JobError = { name: 'Error', message: 'first broke' };

/** The summary line under map step `each`, after `move` on a run of `plan(mapFailure)`. */
async function mapLine(
  mapFailure: OnFailure,
  move: (workflows: TransportWith<'workflows'>['workflows'], id: string) => Promise<unknown>,
): Promise<string | undefined> {
  const transport = memoryTransport() as TransportWith<'workflows'>;
  const { workflows } = transport;
  const id = newWorkflowId();
  await workflows.start({ id, plan: plan(mapFailure), input: null });
  await move(workflows, id);
  const record = await workflows.get(id);
  await transport.close();
  if (record === null) return undefined;
  const lines = describeWorkflowTree(describeWorkflow(record), Date.now());
  const at = lines.findIndex((line) => /^ {2}each\s/.test(line));
  // Below its row: its error, if any, then the children's line.
  return lines
    .slice(at + 1)
    .find((line) => /^ {4}children/.test(line))
    ?.trim();
}

describe('inspect: a map step without children', () => {
  it("says a map skipped by 'continue' (too many items) was not expanded, and never will be", async () => {
    const line = await mapLine('continue', async (workflows, id) => {
      await workflows.record(id, { step: 'first' }, { ok: true, result: 1 });
      await workflows.expand(id, 'each', [1, 2, 3], 2);
    });
    expect(line).toBe(
      "children: none, not expanded (the step failed and was skipped: onFailure 'continue')",
    );
  });

  it('says a map that failed, or whose run ended before it, was not expanded', async () => {
    const failed = await mapLine('fail', async (workflows, id) => {
      await workflows.record(id, { step: 'first' }, { ok: true, result: 1 });
      await workflows.record(id, { step: 'each' }, { ok: false, error: broke });
    });
    expect(failed).toBe('children: none, not expanded (the step failed)');
    const ended = await mapLine('fail', (workflows, id) =>
      workflows.record(id, { step: 'first' }, { ok: false, error: broke }),
    );
    expect(ended).toBe('children: none, not expanded (the step was cancelled)');
    const cancelled = await mapLine('fail', (workflows, id) => workflows.cancel(id));
    expect(cancelled).toBe('children: none, not expanded (the step was cancelled)');
  });

  it('says a map that expanded to no items has none, and one still to expand is not expanded yet', async () => {
    const empty = await mapLine('fail', async (workflows, id) => {
      await workflows.record(id, { step: 'first' }, { ok: true, result: 1 });
      await workflows.expand(id, 'each', [], 10);
    });
    expect(empty).toBe('children: none (its items mapping returned no items)');
    const waiting = await mapLine('fail', async () => {});
    expect(waiting).toBe('children: not expanded yet');
  });
});
