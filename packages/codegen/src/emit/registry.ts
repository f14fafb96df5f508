import { exportIdentifier } from '../analyze/export-name.js';
import type { ScheduleEntry } from '../analyze/schedule-file.js';
import type { ResolvedWorkflow } from '../analyze/workflow-plan.js';
import type { EmitOptions, ResolvedTask } from './client.js';
import { createImportSet, quote, relativeSpecifier } from './imports.js';

/**
 * The worker module: imports every task implementation and stamps each definition with
 * its schema fingerprint, so the worker can count jobs sent by producers on another schema.
 * With schedules, it exports them too (`schedules`), each bound to the registry's copy of
 * its task, so that the jobs a schedule fires carry the task's fingerprint as well. With
 * workflows, it exports them (`workflows`), sorted by name, for the workers that run their steps,
 * each stamped the same way with its input schema's fingerprint.
 */
export function emitRegistry(
  tasks: readonly ResolvedTask[],
  schedules: readonly ScheduleEntry[],
  workflows: readonly ResolvedWorkflow[],
  options: EmitOptions,
): string {
  const reserved = [
    'AnySchedule',
    'AnyTaskDefinition',
    'AnyWorkflow',
    'withFingerprint',
    'withRegisteredTask',
    'withWorkflowFingerprint',
  ];
  const imports = createImportSet([...reserved, 'tasks', 'schedules', 'workflows']);
  const entries = tasks.map((task) => {
    const specifier = relativeSpecifier(options.outFile, task.file, options.importExtension);
    const local = imports.add(specifier, task.exportName, exportIdentifier(task.exportName), false);
    return `  withFingerprint(${local}, ${quote(task.fingerprint)}),`;
  });
  const scheduleEntries = schedules.map((schedule) => {
    const specifier = relativeSpecifier(options.outFile, schedule.file, options.importExtension);
    const local = imports.add(
      specifier,
      schedule.exportName,
      exportIdentifier(schedule.exportName),
      false,
    );
    return `  ${local},`;
  });
  const workflowEntries = workflows.map((workflow) => {
    const specifier = relativeSpecifier(options.outFile, workflow.file, options.importExtension);
    const local = imports.add(
      specifier,
      workflow.exportName,
      exportIdentifier(workflow.exportName),
      false,
    );
    return `  withWorkflowFingerprint(${local}, ${quote(workflow.fingerprint)}),`;
  });
  const coreTypes = [
    ...(schedules.length > 0 ? ['AnySchedule'] : []),
    'AnyTaskDefinition',
    ...(workflows.length > 0 ? ['AnyWorkflow'] : []),
  ].join(', ');
  const workflowLines =
    workflows.length === 0
      ? []
      : [
          '',
          '/** A copy of the workflow carrying its input schema fingerprint (definitions are frozen). */',
          'function withWorkflowFingerprint(workflow: AnyWorkflow, fingerprint: string): AnyWorkflow {',
          '  return Object.freeze({ ...workflow, fingerprint });',
          '}',
          '',
          '/** Every workflow the task files export, sorted by name. Workers run their steps. */',
          'export const workflows: readonly AnyWorkflow[] = [',
          ...workflowEntries,
          '];',
        ];
  const scheduleLines =
    schedules.length === 0
      ? []
      : [
          '',
          '/** The schedule with its task replaced by the registry copy of the same name, if any. */',
          'function withRegisteredTask(schedule: AnySchedule): AnySchedule {',
          '  const task = tasks.find((candidate) => candidate.name === schedule.task.name);',
          '  return task === undefined ? schedule : Object.freeze({ ...schedule, task });',
          '}',
          '',
          '/** Every schedule the task files export, sorted by id. `conveyor worker` runs them. */',
          'export const schedules: readonly AnySchedule[] = [',
          ...scheduleEntries,
          '].map(withRegisteredTask);',
        ];
  return [
    options.header,
    `import type { ${coreTypes} } from '@conveyor/core';`,
    ...imports.render(),
    '',
    '/** A copy of the definition carrying its fingerprint (definitions are frozen). */',
    'function withFingerprint(task: AnyTaskDefinition, fingerprint: string): AnyTaskDefinition {',
    '  return Object.freeze({ ...task, fingerprint });',
    '}',
    '',
    '/** Every task definition, sorted by task name. `conveyor worker` loads this module. */',
    'export const tasks: readonly AnyTaskDefinition[] = [',
    ...entries,
    '];',
    ...scheduleLines,
    ...workflowLines,
    '',
    'export default tasks;',
    '',
  ].join('\n');
}
