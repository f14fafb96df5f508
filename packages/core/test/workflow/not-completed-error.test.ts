import { describe, expect, it } from 'vitest';
import { WorkflowNotCompletedError } from '../../src/workflow/errors.js';

// docs/workflows.md §2: what `handle.result()` says when a run ends without a result.

describe('WorkflowNotCompletedError', () => {
  it("WORKFLOW_NOT_COMPLETED's message quotes each error whole and gives one piece of advice, once", () => {
    const advice = 'Fix the cause, then handle.retry() runs it again from the failed step.';
    const count = (text: string, part: string) => text.split(part).length - 1;
    // A step's error that ends with its own advice (a mapping's, a missing definition's) is
    // that advice: none is added after it.
    const mapping = new WorkflowNotCompletedError('wf_1', 'failed', {
      step: 'b',
      error: {
        name: 'WorkflowMappingError',
        code: 'WORKFLOW_MAPPING_FAILED',
        message:
          'Workflow wf_1: step "b"\'s input mapping threw: boom. Fix the mapping, deploy it to the workers (restart them), then retry the workflow (conveyor workflows retry wf_1).',
      },
    });
    expect(mapping.message).toBe(
      'Workflow "wf_1" ended failed and has no result. Its step "b" failed with WORKFLOW_MAPPING_FAILED: Workflow wf_1: step "b"\'s input mapping threw: boom. Fix the mapping, deploy it to the workers (restart them), then retry the workflow (conveyor workflows retry wf_1).',
    );
    // A compensation that failed with its own advice: quoted whole, after what it means; its
    // advice is not read as the cause of the half undo.
    const unknown = {
      name: 'UnknownWorkflowError',
      code: 'UNKNOWN_WORKFLOW',
      message:
        'Unknown workflow "shop.order" for step "reject": pass it on every worker of the step\'s queue, then retry the workflow.',
    };
    const undo = new WorkflowNotCompletedError(
      'wf_1',
      'failed',
      { step: 'reserve', error: { name: 'Error', code: 'NON_RETRYABLE', message: 'out of stock' } },
      { step: 'reject', error: unknown },
    );
    expect(undo.message).toBe(
      'Workflow "wf_1" ended failed and has no result. Its step "reserve" failed with NON_RETRYABLE: out of stock. What step "reserve" did may be half undone: its compensation "reject" failed too, with UNKNOWN_WORKFLOW: Unknown workflow "shop.order" for step "reject": pass it on every worker of the step\'s queue, then retry the workflow.',
    );
    expect(undo.message).not.toContain('then retry the workflow: what');
    // Plain errors get the one advice, once; a compensated or cancelled run none.
    const plain = new WorkflowNotCompletedError('wf_1', 'failed', {
      step: 'ship',
      child: 3,
      error: { name: 'Error', message: 'ship broke' },
    });
    expect(plain.message).toBe(
      `Workflow "wf_1" ended failed and has no result. Its step "ship" (child 3) failed with Error: ship broke. ${advice}`,
    );
    expect(
      [mapping, undo, plain].map((error) => count(error.message, 'retry the workflow')),
    ).toEqual([1, 1, 0]);
    expect([mapping, undo, plain].map((error) => count(error.message, advice))).toEqual([0, 0, 1]);
    // A step input refused by its schema names the workflow's retry command: that is its advice.
    const invalid = new WorkflowNotCompletedError('wf_1', 'failed', {
      step: 'ship',
      error: {
        name: 'ValidationError',
        code: 'VALIDATION_FAILED',
        message:
          'Invalid input for task "shop.ship". This input is what step "ship" of workflow wf_1 resolved through its input mapping […] Deploy that to the workers (restart them), then retry the workflow (conveyor workflows retry wf_1): the step runs again with its input resolved anew',
      },
    });
    expect(count(invalid.message, advice)).toBe(0);
    // Its advice cut off with the rest of a message past the limit: the general one is given.
    const cut = new WorkflowNotCompletedError('wf_1', 'failed', {
      step: 'b',
      error: {
        name: 'WorkflowMappingError',
        code: 'WORKFLOW_MAPPING_FAILED',
        message: `Workflow wf_1: step "b"'s input mapping threw: ${'x'.repeat(50)}… [truncated 9,000 characters]`,
      },
    });
    expect(count(cut.message, advice)).toBe(1);
    const compensated = new WorkflowNotCompletedError('wf_1', 'compensated', {
      step: 'ship',
      error: { name: 'Error', message: 'ship broke' },
    });
    expect(compensated.message).not.toContain('retry');
    expect(new WorkflowNotCompletedError('wf_1', 'cancelled', undefined).message).toBe(
      'Workflow "wf_1" ended cancelled and has no result.',
    );
  });
});
