import { createHash } from 'node:crypto';
import { routeOf, stepQueueOf } from '../partition-routing.js';
import { parsePartitionName, partitionName, partitionOfKey } from '../partitions.js';
import { resolveRetryPolicy } from '../retry-policy.js';
import { DEFAULT_PRIORITY } from '../task.js';
import type { AnyWorkflow } from './define-workflow.js';
import type { OnFailure } from './flow-types.js';
import type { WorkflowStep } from './stages.js';

/**
 * A workflow's plan: its shape as JSON, what a transport stores with each run. Mappings
 * are not in it (they are code, in the worker); whether a step has one is. Its
 * fingerprint names the version; a worker compares a run's stored plan with its own field
 * by field (`planDifferences`), where a step's attempts and priority do not count.
 */
export interface WorkflowPlan {
  readonly workflow: string;
  readonly stages: readonly WorkflowPlanStage[];
  readonly compensations: readonly WorkflowPlanStep[];
  /** The first 16 hex digits of the SHA-256 of the rest of the plan, as canonical JSON. */
  readonly fingerprint: string;
}

export interface WorkflowPlanStage {
  readonly kind: 'step' | 'parallel' | 'map';
  /** One step, except in a parallel group. A map's one step is the task of each child. */
  readonly steps: readonly WorkflowPlanStep[];
}

export interface WorkflowPlanStep {
  readonly name: string;
  readonly task: string;
  /**
   * The task's queue, or `"default"`; on a partitioned queue, a partition: in the
   * definition's plan the one the workflow's and step's names pick (`stepQueueOf`), in a
   * run's stored plan the one the run's id and the step's name pick (`planForRun`).
   */
  readonly queue: string;
  /** The task's retry attempts, the first included. */
  readonly maxAttempts: number;
  /** The task's priority, or 5. */
  readonly priority: number;
  /** `'fail'` for compensations. */
  readonly onFailure: OnFailure;
  /** True when the step has an input mapping; false when it takes what flows in (or its item). */
  readonly mapped: boolean;
}

const plans = new WeakMap<AnyWorkflow, WorkflowPlan>();

/** The plan of a workflow (computed once per definition, frozen). */
export function workflowPlan(workflow: AnyWorkflow): WorkflowPlan {
  let plan = plans.get(workflow);
  if (plan === undefined) {
    const body = {
      workflow: workflow.name,
      stages: workflow.stages.map((stage) => ({
        kind: stage.kind,
        steps: stage.steps.map((step) => planStep(workflow.name, step)),
      })),
      compensations: workflow.compensations.map((step) => planStep(workflow.name, step)),
    };
    plan = deepFreeze({ ...body, fingerprint: planFingerprint(body) });
    plans.set(workflow, plan);
  }
  return plan;
}

/**
 * The fingerprint of a plan's body (a plan without `fingerprint`): the same for the same
 * shape whatever the key order, different when a step, task, queue, attempt count,
 * priority, failure policy or mapping changes. A step on a partitioned queue counts by its
 * queue and partition count, not by the partition it is placed on: each run places its
 * steps by its own id ({@link planForRun}), and all runs of one definition share a
 * fingerprint. It names a version (stored with every run, shown by tools); whether a worker
 * can run a run's steps is decided by `planDifferences`, where attempts and priority do not
 * count.
 */
export function planFingerprint(body: Omit<WorkflowPlan, 'fingerprint'>): string {
  const unplaced = {
    ...body,
    stages: body.stages.map((stage) => ({ ...stage, steps: stage.steps.map(unplacedStep) })),
    compensations: body.compensations.map(unplacedStep),
  };
  return createHash('sha256').update(canonicalJson(unplaced)).digest('hex').slice(0, 16);
}

/** A step with its partition's name as `<queue>~*of<n>` (plain queues unchanged). */
export function unplacedStep(step: WorkflowPlanStep): WorkflowPlanStep {
  const partition = parsePartitionName(step.queue);
  if (partition === undefined) return step;
  return { ...step, queue: `${partition.queue}~*of${partition.partitions}` };
}

/**
 * The plan one run stores: each step on a partitioned queue placed on the partition that
 * the run's id and the step's name pick, so that the runs of a workflow spread each step's
 * jobs over the queue's partitions (and so over a cluster's masters). Steps on plain queues,
 * the fingerprint and everything else are the plan's own. Every job of one step of one run
 * (its retries, and a map's children) goes to that step's partition.
 */
export function planForRun(plan: WorkflowPlan, runId: string): WorkflowPlan {
  const place = (step: WorkflowPlanStep): WorkflowPlanStep => {
    const partition = parsePartitionName(step.queue);
    if (partition === undefined) return step;
    const { queue, partitions } = partition;
    const placed = partitionName(
      queue,
      partitionOfKey(`${runId}/${step.name}`, partitions),
      partitions,
    );
    return placed === step.queue ? step : { ...step, queue: placed };
  };
  const partitioned =
    plan.stages.some((stage) => stage.steps.some(isPartitioned)) ||
    plan.compensations.some(isPartitioned);
  if (!partitioned) return plan;
  return {
    ...plan,
    stages: plan.stages.map((stage) => ({ ...stage, steps: stage.steps.map(place) })),
    compensations: plan.compensations.map(place),
  };
}

function isPartitioned(step: WorkflowPlanStep): boolean {
  return parsePartitionName(step.queue) !== undefined;
}

function planStep(workflow: string, step: WorkflowStep): WorkflowPlanStep {
  const { task } = step;
  return {
    name: step.name,
    task: task.name,
    queue: stepQueueOf(routeOf(task), workflow, step.name),
    maxAttempts: resolveRetryPolicy(task.retry).attempts,
    priority: task.priority ?? DEFAULT_PRIORITY,
    onFailure: typeof step.onFailure === 'object' ? { ...step.onFailure } : step.onFailure,
    mapped: step.input !== undefined,
  };
}

/** JSON with object keys sorted at every level, so equal plans have equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) {
      sorted[key] = (inner as Record<string, unknown>)[key];
    }
    return sorted;
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
