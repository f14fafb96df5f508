import { describe, expect, it } from 'vitest';
import { planDifferences } from '../../src/worker/index.js';
import {
  planFingerprint,
  type WorkflowPlan,
  type WorkflowPlanStep,
  workflowPlan,
} from '../../src/workflow/plan.js';
import { placeOrder } from './fixtures.js';

/** docs/workflows.md §2: which differences between a run's plan and a worker's are skew. */

const base = workflowPlan(placeOrder);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The fixture's plan with `edit` applied to a copy of step `name` (a compensation too). */
function withStep(name: string, edit: (step: Mutable<WorkflowPlanStep>) => void): WorkflowPlan {
  const plan = structuredClone(base) as Mutable<WorkflowPlan>;
  const steps = [...plan.stages.flatMap((stage) => stage.steps), ...plan.compensations];
  const step = steps.find((s) => s.name === name);
  if (step === undefined) throw new Error(`no step ${name}`);
  edit(step as Mutable<WorkflowPlanStep>);
  const { fingerprint: _, ...body } = plan;
  return { ...body, fingerprint: planFingerprint(body) };
}

describe('planDifferences', () => {
  it('finds none between a plan and itself, or a copy of it', () => {
    expect(planDifferences(base, base)).toEqual([]);
    expect(planDifferences(structuredClone(base), base)).toEqual([]);
  });

  it("ignores a step's attempts and priority, which a run keeps from its stored plan", () => {
    const tuned = withStep('ship', (step) => {
      step.maxAttempts = 9;
      step.priority = 1;
    });
    const compensation = withStep('log', (step) => {
      step.maxAttempts = 1;
      step.priority = 9;
    });
    // The fingerprint still names another version: that alone is no skew.
    expect(tuned.fingerprint).not.toBe(base.fingerprint);
    expect(planDifferences(base, tuned)).toEqual([]);
    expect(planDifferences(tuned, base)).toEqual([]);
    expect(planDifferences(compensation, base)).toEqual([]);
  });

  it("names a step's other task, quoting both", () => {
    const renamed = withStep('fulfil', (step) => {
      step.task = 'shop.fulfil';
    });
    expect(planDifferences(base, renamed)).toEqual([
      'step "fulfil": task "shop.markOrderFulfilled" in the run, "shop.fulfil" in this worker',
    ]);
  });

  it("names a step's other queue, and a partitioned queue's other partition count", () => {
    const moved = withStep('ship', (step) => {
      step.queue = 'warehouse';
    });
    expect(planDifferences(base, moved)).toEqual([
      'step "ship": queue "default" in the run, "warehouse" in this worker',
    ]);
    const partitioned = (queue: string) =>
      withStep('charge', (step) => {
        step.queue = queue;
      });
    // Each run places the step on a partition of its own: not a difference.
    expect(planDifferences(partitioned('lines~1of4'), partitioned('lines~3of4'))).toEqual([]);
    expect(planDifferences(partitioned('lines~1of4'), partitioned('lines~1of8'))).toEqual([
      'step "charge": queue "lines" with 4 partitions in the run, "lines" with 8 partitions in this worker',
    ]);
    expect(planDifferences(partitioned('lines~1of4'), base)).toEqual([
      'step "charge": queue "lines" with 4 partitions in the run, "default" in this worker',
    ]);
  });

  it("names a step's other failure policy and mapping", () => {
    const policy = withStep('reserve', (step) => {
      step.onFailure = 'continue';
    });
    expect(planDifferences(base, policy)).toEqual([
      'step "reserve": onFailure {"compensate":"reject"} in the run, "continue" in this worker',
    ]);
    const unmapped = withStep('confirm', (step) => {
      step.mapped = false;
    });
    expect(planDifferences(base, unmapped)).toEqual([
      'step "confirm": an input mapping in the run, no input mapping in this worker',
    ]);
  });

  it("names a compensation's other task", () => {
    const other = withStep('log', (step) => {
      step.task = 'shop.logIt';
    });
    expect(planDifferences(base, other)).toEqual([
      'compensation "log": task "shop.logFailure" in the run, "shop.logIt" in this worker',
    ]);
  });

  it('names other stages: a step added, a kind changed, steps reordered', () => {
    const stages = base.stages;
    const [first, second, third, fourth] = stages as [
      (typeof stages)[0],
      (typeof stages)[0],
      (typeof stages)[0],
      (typeof stages)[0],
    ];
    const run = 'step "reserve" → parallel "ship", "confirm" → map "charge" → step "fulfil"';
    const shorter = { ...base, stages: [first, second, third] };
    expect(planDifferences(base, shorter)).toEqual([
      `stages ${run} in the run, step "reserve" → parallel "ship", "confirm" → map "charge" in this worker`,
    ]);
    const kind = { ...base, stages: [first, second, { ...third, kind: 'step' as const }, fourth] };
    expect(planDifferences(base, kind)).toEqual([
      `stages ${run} in the run, step "reserve" → parallel "ship", "confirm" → step "charge" → step "fulfil" in this worker`,
    ]);
    const reordered = { ...base, stages: [first, second, fourth, third] };
    expect(planDifferences(base, reordered)).toEqual([
      `stages ${run} in the run, step "reserve" → parallel "ship", "confirm" → step "fulfil" → map "charge" in this worker`,
    ]);
    const parallel = {
      ...base,
      stages: [first, { ...second, steps: [...second.steps].reverse() }, third, fourth],
    };
    expect(planDifferences(base, parallel)).toEqual([
      `stages ${run} in the run, step "reserve" → parallel "confirm", "ship" → map "charge" → step "fulfil" in this worker`,
    ]);
  });

  it("names other compensations, and another workflow's name", () => {
    const none = { ...base, compensations: [] };
    expect(planDifferences(base, none)).toEqual([
      'compensations "reject", "log" in the run, (none) in this worker',
    ]);
    const named = { ...base, workflow: 'shop.order' };
    expect(planDifferences(base, named)).toEqual([
      'workflow "shop.placeOrder" in the run, "shop.order" in this worker',
    ]);
  });
});
