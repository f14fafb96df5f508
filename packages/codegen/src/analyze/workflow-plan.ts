import {
  DEFAULT_PRIORITY,
  DEFAULT_QUEUE,
  DEFAULT_RETRY_POLICY,
  planFingerprint,
  type WorkflowPlan,
  type WorkflowPlanStep,
} from '@conveyor/core';
import { routeOf, stepQueueOf } from '@conveyor/core/transport';
import { compareText, type Diagnostic } from '../diagnostics.js';
import type { CopiedSchema } from './copy.js';
import type { TaskEntry } from './task-file.js';
import type { WorkflowEntry } from './workflow-file.js';
import type { WorkflowStepEntry, WorkflowTaskRef } from './workflow-flow.js';

/** Core's retry attempts for a task without `retry`; test/workflows.test.ts proves the plans equal `workflowPlan`. */
const DEFAULT_ATTEMPTS = DEFAULT_RETRY_POLICY.attempts;

/** One workflow as generated. */
export interface GeneratedWorkflow {
  readonly name: string;
  readonly exportName: string;
  /** Task file relative to the config, `/`-separated. */
  readonly file: string;
  /** Fingerprint of the input schema. */
  readonly fingerprint: string;
  /** The plan's fingerprint, the same as `workflowPlan(definition).fingerprint`. */
  readonly planFingerprint: string;
}

/** A workflow ready to write out: its plan, computed as `workflowPlan(definition)` computes it. */
export interface ResolvedWorkflow extends WorkflowEntry {
  /** Task file relative to the config, `/`-separated. */
  readonly relativeFile: string;
  /** Fingerprint of the input schema, as a task's. */
  readonly fingerprint: string;
  readonly plan: WorkflowPlan;
  /** Each step's task (stages and compensations), by step name. */
  readonly tasks: ReadonlyMap<string, TaskEntry>;
}

/** What a step's task reference finds: the task, a file with problems of its own, or nothing. */
export type TaskLookup = (
  ref: WorkflowTaskRef,
) => TaskEntry | 'has-problems' | 'not-a-task-file' | undefined;

/**
 * Resolves a workflow's tasks and computes its plan, or reports each task reference that
 * names no task codegen analysed (a problem of the task's own file is reported there).
 */
export function resolveWorkflow(
  workflow: WorkflowEntry,
  lookup: TaskLookup,
  relative: (file: string) => string,
  fingerprint: string,
): { workflow: ResolvedWorkflow } | { diagnostics: Diagnostic[] } {
  const tasks = new Map<string, TaskEntry>();
  const diagnostics: Diagnostic[] = [];
  let incomplete = false;
  const steps = [...workflow.stages.flatMap((stage) => stage.steps), ...workflow.compensations];
  for (const step of steps) {
    const found = lookup(step.task);
    if (typeof found === 'object') {
      tasks.set(step.name, found);
      continue;
    }
    incomplete = true;
    if (found === 'has-problems') continue;
    const { written, name, file, at } = step.task;
    diagnostics.push({
      code: 'WORKFLOW_TASK_UNKNOWN',
      file: relative(workflow.file),
      ...at,
      message:
        found === 'not-a-task-file'
          ? `the task of step ${JSON.stringify(step.name)} of workflow ${JSON.stringify(workflow.name)}, ${written}, comes from ${relative(file)}, which is not a task file codegen reads.`
          : `the task of step ${JSON.stringify(step.name)} of workflow ${JSON.stringify(workflow.name)}, ${written}, is not a task defined with defineTask in ${relative(file)} (looked for ${JSON.stringify(name)}).`,
      fix:
        found === 'not-a-task-file'
          ? "Import the task from the task file that defines it, or add that file to the config's `tasks` globs."
          : 'Pass a task exported by a task file (`export const x = defineTask({ … })`), imported by its name.',
    });
  }
  if (incomplete) return { diagnostics };
  const planStep = (step: WorkflowStepEntry): WorkflowPlanStep => {
    const task = tasks.get(step.name) as TaskEntry;
    const { queue, partitions, partitionBy, priority, retry } = task.optionValues;
    const attempts =
      typeof retry === 'object' && retry !== null && !Array.isArray(retry)
        ? (retry as { attempts?: unknown }).attempts
        : undefined;
    return {
      name: step.name,
      task: task.name,
      // As core's plan: a partitioned queue's step runs on the partition its names pick.
      queue: stepQueueOf(
        routeOf({
          name: task.name,
          queue: typeof queue === 'string' ? queue : DEFAULT_QUEUE,
          partitions: typeof partitions === 'number' ? partitions : undefined,
          partitionBy: typeof partitionBy === 'string' ? partitionBy : undefined,
        }),
        workflow.name,
        step.name,
      ),
      maxAttempts: typeof attempts === 'number' ? attempts : DEFAULT_ATTEMPTS,
      priority: typeof priority === 'number' ? priority : DEFAULT_PRIORITY,
      onFailure: typeof step.onFailure === 'object' ? { ...step.onFailure } : step.onFailure,
      mapped: step.mapped,
    };
  };
  const body = {
    workflow: workflow.name,
    stages: workflow.stages.map((stage) => ({
      kind: stage.kind,
      steps: stage.steps.map(planStep),
    })),
    compensations: workflow.compensations.map(planStep),
  };
  return {
    workflow: {
      ...workflow,
      relativeFile: relative(workflow.file),
      fingerprint,
      plan: { ...body, fingerprint: planFingerprint(body) },
      tasks,
    },
  };
}

/**
 * Resolves every workflow (see {@link resolveWorkflow}), sorted by name, and reports them
 * as `generate` does; problems go to `diagnostics`.
 */
export function resolveWorkflows(
  entries: readonly WorkflowEntry[],
  context: {
    readonly lookup: TaskLookup;
    readonly relative: (file: string) => string;
    readonly fingerprint: (input: CopiedSchema) => string;
    readonly diagnostics: Diagnostic[];
  },
): { workflows: ResolvedWorkflow[]; reportedWorkflows: GeneratedWorkflow[] } {
  const workflows: ResolvedWorkflow[] = [];
  for (const entry of entries) {
    const fingerprint = context.fingerprint(entry.input);
    const outcome = resolveWorkflow(entry, context.lookup, context.relative, fingerprint);
    if ('diagnostics' in outcome) context.diagnostics.push(...outcome.diagnostics);
    else workflows.push(outcome.workflow);
  }
  workflows.sort((a, b) => compareText(a.name, b.name));
  const reportedWorkflows = workflows.map((workflow) => ({
    name: workflow.name,
    exportName: workflow.exportName,
    file: workflow.relativeFile,
    fingerprint: workflow.fingerprint,
    planFingerprint: workflow.plan.fingerprint,
  }));
  return { workflows, reportedWorkflows };
}
