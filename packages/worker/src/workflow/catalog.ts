import {
  type AnyTaskDefinition,
  type AnyWorkflow,
  createTaskRegistry,
  InvalidOptionError,
  isWorkflow,
  type TaskRegistry,
  type WorkflowPlan,
  workflowPlan,
} from '@conveyor/core';
import { isTaskDefinition } from '../task-module.js';

/** The workflow definitions a worker drives, by name, with their plans. */
export interface WorkflowCatalog {
  get(name: string): { definition: AnyWorkflow; plan: WorkflowPlan } | undefined;
  names(): string[];
}

/**
 * Checks `createWorker({ workflows })` and adds the tasks of their steps (compensations
 * included) that `tasks` does not name. A step's task that is a contract (no `run`) is not
 * added: another worker runs it. Throws {@link InvalidOptionError} on a value that is not a
 * workflow, two workflows under one name, or a step whose task is another definition than
 * the one `tasks` (or another workflow) has under that name.
 */
export function resolveWorkflows(
  workflows: unknown,
  registry: TaskRegistry,
): { catalog: WorkflowCatalog; registry: TaskRegistry } {
  const byName = new Map<string, { definition: AnyWorkflow; plan: WorkflowPlan }>();
  if (workflows !== undefined && !Array.isArray(workflows)) {
    throw new InvalidOptionError('workflows', workflows, 'a list of workflows from defineWorkflow');
  }
  const added = new Map<string, AnyTaskDefinition>();
  for (const workflow of (workflows ?? []) as readonly unknown[]) {
    if (!isWorkflow(workflow)) {
      throw new InvalidOptionError(
        'workflows',
        workflow,
        'a list of workflows from defineWorkflow',
      );
    }
    const known = byName.get(workflow.name);
    // The same workflow, or a copy of it (codegen's registry stamps each workflow with its
    // input schema fingerprint in a copy, which shares the stages): the stamped one is kept.
    if (known !== undefined && known.definition.stages !== workflow.stages) {
      throw new InvalidOptionError(
        'workflows',
        workflow.name,
        'one definition per workflow name (two different workflows have this name)',
      );
    }
    if (known !== undefined && workflow.fingerprint === undefined) continue;
    byName.set(workflow.name, { definition: workflow, plan: workflowPlan(workflow) });
    const steps = [...workflow.stages.flatMap((stage) => stage.steps), ...workflow.compensations];
    for (const step of steps) {
      const { task } = step;
      if (!isTaskDefinition(task)) continue;
      const given = registry.get(task.name) ?? added.get(task.name);
      // The same task, or a copy of it (codegen's registry stamps each task with its
      // fingerprint in a copy): the same `run`. Anything else is another task under the name.
      if (given === undefined) added.set(task.name, task);
      else if (given !== task && given.run !== task.run) {
        throw new InvalidOptionError(
          'workflows',
          `task ${task.name} of step ${step.name} of workflow ${workflow.name}`,
          'the same task definition as the one given under that name (in tasks or another workflow); import the task from one module',
        );
      }
    }
  }
  // A workflow named as a task is: `conveyor enqueue <name>` and the dashboard find either by
  // that name, and could not tell them apart.
  const clash = [...byName.keys()].find(
    (name) => registry.get(name) !== undefined || added.has(name),
  );
  if (clash !== undefined) {
    throw new InvalidOptionError(
      'workflows',
      clash,
      `a workflow name no task has (a task of the worker has this name too; rename the workflow, e.g. to "${clash}.flow")`,
    );
  }
  const names = [...byName.keys()].sort();
  const catalog: WorkflowCatalog = { get: (name) => byName.get(name), names: () => [...names] };
  if (added.size === 0) return { catalog, registry };
  const all = registry
    .names()
    .map((name) => registry.get(name))
    .filter((task): task is AnyTaskDefinition => task !== undefined);
  return { catalog, registry: createTaskRegistry([...all, ...added.values()]) };
}
