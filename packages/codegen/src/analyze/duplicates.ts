import type { Diagnostic } from '../diagnostics.js';
import { CLIENT_EXPORTS, contractName } from '../emit/client-names.js';
import { exportIdentifier } from './export-name.js';
import type { TaskIdentity } from './task-file.js';
import type { WorkflowIdentity } from './workflow-file.js';

type Identity = TaskIdentity | WorkflowIdentity;

/**
 * Duplicate task names, workflow names and export names (the client exports tasks and
 * workflows side by side), over every call, also those with other problems.
 */
export function duplicates(
  tasks: readonly TaskIdentity[],
  workflows: readonly WorkflowIdentity[],
  relative: (file: string) => string,
): Diagnostic[] {
  const found: Diagnostic[] = [];
  const check = (
    calls: readonly Identity[],
    key: (call: Identity) => string | undefined,
    code: Diagnostic['code'],
    what: string,
    fix: string,
    /** What to add to a place, when the key is not what the file says. */
    note: (call: Identity) => string = () => '',
  ) => {
    const groups = new Map<string, Identity[]>();
    for (const call of calls) {
      const value = key(call);
      if (value !== undefined) groups.set(value, [...(groups.get(value) ?? []), call]);
    }
    for (const [value, group] of groups) {
      if (group.length < 2) continue;
      const places = group
        .map((call) => `${relative(call.file)}:${call.line}${note(call)}`)
        .join(', ');
      for (const call of group) {
        found.push({
          code,
          file: relative(call.file),
          line: call.line,
          column: call.column,
          message: `${what} ${JSON.stringify(value)} is defined ${group.length} times (${places}).`,
          fix,
        });
      }
    }
  };
  check(
    tasks,
    (task) => task.name,
    'DUPLICATE_TASK_NAME',
    'task name',
    'Give each task a unique name; jobs are routed to the task by name.',
  );
  check(
    workflows,
    (workflow) => workflow.name,
    'DUPLICATE_WORKFLOW_NAME',
    'workflow name',
    'Give each workflow a unique name; runs are stored and run by name.',
  );
  // `conveyor enqueue <name>`, the dashboard's Run and the CLI's listings find a task or a
  // workflow by its name: one name for both left the task unreachable there.
  const taskByName = new Map(tasks.map((task) => [task.name, task]));
  for (const workflow of workflows) {
    const task = workflow.name === undefined ? undefined : taskByName.get(workflow.name);
    if (task === undefined) continue;
    found.push({
      code: 'DUPLICATE_WORKFLOW_NAME',
      file: relative(workflow.file),
      line: workflow.line,
      column: workflow.column,
      message: `workflow name ${JSON.stringify(workflow.name)} is also the name of a task (${relative(task.file)}:${task.line}), so \`conveyor enqueue ${workflow.name}\` could not tell them apart.`,
      fix: `Give the workflow a name no task has, e.g. ${JSON.stringify(`${workflow.name}.flow`)}.`,
    });
  }
  // A string export name (`'send-email'`) takes its identifier (`sendEmail`) in the client.
  check(
    [...tasks, ...workflows],
    (call) => (call.exportName === undefined ? undefined : exportIdentifier(call.exportName)),
    'DUPLICATE_EXPORT_NAME',
    'export name',
    'Rename one export; the generated client exports one stub per export name, and writes a string export name such as "send-email" as the identifier sendEmail.',
    (call) =>
      call.exportName === undefined || exportIdentifier(call.exportName) === call.exportName
        ? ''
        : ` as ${JSON.stringify(call.exportName)}`,
  );
  found.push(...clientNameClashes([...tasks, ...workflows], relative));
  return found;
}

/**
 * Export names the generated client would declare twice: one of the client's own exports
 * (`contracts`), or the contract of another task or workflow (`sendContract` beside `send`).
 * Both are names users import, so they are reported rather than renamed.
 */
function clientNameClashes(
  calls: readonly Identity[],
  relative: (file: string) => string,
): Diagnostic[] {
  const found: Diagnostic[] = [];
  const at = (call: Identity) => ({
    file: relative(call.file),
    line: call.line,
    column: call.column,
  });
  const place = (call: Identity) => `${relative(call.file)}:${call.line}`;
  const byContract = new Map<string, Identity[]>();
  for (const call of calls) {
    if (call.exportName === undefined) continue;
    const contract = contractName(call.exportName);
    byContract.set(contract, [...(byContract.get(contract) ?? []), call]);
  }
  const own: readonly string[] = CLIENT_EXPORTS;
  for (const call of calls) {
    if (call.exportName === undefined) continue;
    const name = exportIdentifier(call.exportName);
    if (own.includes(name)) {
      found.push({
        code: 'RESERVED_EXPORT_NAME',
        ...at(call),
        message: `export name ${JSON.stringify(name)} is one the generated client declares itself (${CLIENT_EXPORTS.join(', ')}), so the client would not compile.`,
        fix: `Rename the export, e.g. to ${JSON.stringify(`${name}Task`)}.`,
      });
    }
    const fix = `Rename one of the two exports; the generated client exports each task and workflow under its export name, and its contract under that name + "Contract".`;
    for (const owner of byContract.get(name) ?? []) {
      const ownerName = JSON.stringify(exportIdentifier(owner.exportName ?? ''));
      found.push(
        {
          code: 'DUPLICATE_EXPORT_NAME',
          ...at(call),
          message: `export name ${JSON.stringify(name)} is also the name of the contract the generated client exports for ${ownerName} (${place(owner)}), so the client would declare it twice.`,
          fix,
        },
        {
          code: 'DUPLICATE_EXPORT_NAME',
          ...at(owner),
          message: `the generated client exports the contract of ${ownerName} as ${JSON.stringify(name)}, which export ${JSON.stringify(name)} (${place(call)}) takes too, so the client would declare it twice.`,
          fix,
        },
      );
    }
  }
  return found;
}
