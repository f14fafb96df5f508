import type { WorkflowPlanStep } from '@conveyor/core';
import { exportIdentifier } from '../analyze/export-name.js';
import type { StaticValue } from '../analyze/static-value.js';
import { printStaticValue } from '../analyze/static-value.js';
import type { ResolvedWorkflow } from '../analyze/workflow-plan.js';
import type { EmitOptions } from './client.js';
import { type ClientNames, contractName } from './client-names.js';
import { exportedAs, isDeclarableName, quote } from './imports.js';
import { renderTask } from './render-schema.js';

/** Every workflow contract in the module, sorted by workflow name. */
export function workflowContractsLine(workflows: readonly ResolvedWorkflow[]): string[] {
  return [
    '',
    '/** Every workflow contract in this module, sorted by workflow name. */',
    `export const workflowContracts = [${workflows.map((workflow) => contractName(workflow.exportName)).join(', ')}] as const;`,
  ];
}

/**
 * A workflow's contract and stub: its input schema copied as a task's, its plan as a
 * literal (equal to `workflowPlan(definition)`), and its result typed through the task
 * contracts of its last stage. Nothing of the workflow's module is imported.
 */
export function emitWorkflow(
  workflow: ResolvedWorkflow,
  names: ClientNames,
  options: EmitOptions,
): string {
  const { core } = names;
  const prefix = exportIdentifier(workflow.exportName);
  const input = names.inputSchema(workflow.exportName);
  const rendered = renderTask(
    { exportName: prefix, input: workflow.input, output: undefined, declaredResult: undefined },
    names.imports,
    options,
  );
  const last = workflow.plan.stages[workflow.plan.stages.length - 1];
  const steps = last?.steps ?? [];
  const taskContract = (step: WorkflowPlanStep) => {
    const task = workflow.tasks.get(step.name);
    return task ? contractName(task.exportName) : '?Contract';
  };
  // A step that may 'continue' hands on `undefined` in place of its result.
  const outcome = (step: WorkflowPlanStep) =>
    `${core.TaskResult}<typeof ${taskContract(step)}>${step.onFailure === 'continue' ? ' | undefined' : ''}`;
  const [first] = steps;
  const result =
    last?.kind === 'parallel'
      ? `{ ${steps.map((step) => `${propertyName(step.name)}: ${outcome(step)}`).join('; ')} }`
      : first === undefined
        ? 'unknown'
        : last?.kind === 'map'
          ? `Array<${outcome(first)}>`
          : outcome(first);
  const planStep = (indent: string) => (step: WorkflowPlanStep) =>
    `${indent}${printStaticValue(step as unknown as StaticValue)},`;
  const plan = [
    '  plan: {',
    `    workflow: ${quote(workflow.plan.workflow)},`,
    '    stages: [',
    ...workflow.plan.stages.flatMap((stage) => [
      `      { kind: ${quote(stage.kind)}, steps: [`,
      ...stage.steps.map(planStep('        ')),
      '      ] },',
    ]),
    '    ],',
    `    compensations: [${workflow.plan.compensations.length === 0 ? '],' : ''}`,
    ...(workflow.plan.compensations.length === 0
      ? []
      : [...workflow.plan.compensations.map(planStep('      ')), '    ],']),
    `    fingerprint: ${quote(workflow.plan.fingerprint)},`,
    '  },',
  ];
  const lastStage = steps.map((step) => `${propertyName(step.name)}: ${taskContract(step)}`);
  return [
    '',
    `// ${workflow.name} (a workflow), from ${workflow.relativeFile}${exportedAs(workflow.exportName)}`,
    ...rendered.declarations,
    `const ${input} = ${rendered.input};`,
    '',
    `/** Contract of workflow ${quote(workflow.name)}: its input schema and plan, without its tasks or mappings. */`,
    `export const ${contractName(workflow.exportName)} = ${core.workflowContract}<`,
    `  ${quote(workflow.name)},`,
    `  typeof ${input},`,
    `  ${result}`,
    '>({',
    `  name: ${quote(workflow.name)},`,
    `  input: ${input},`,
    ...plan,
    `  lastStage: { ${lastStage.join(', ')} },`,
    `  fingerprint: ${quote(workflow.fingerprint)},`,
    '});',
    '',
    `/** \`${prefix}.delay(input)\` starts workflow ${quote(workflow.name)} and returns its handle. */`,
    ...stubLines(workflow, names),
  ].join('\n');
}

/**
 * `export const <name> = bindWorkflow(…)`; for a workflow exported under a reserved word
 * (`export { order as new }`), a local stub exported under that name, as tasks have.
 */
function stubLines(workflow: ResolvedWorkflow, names: ClientNames): string[] {
  const name = exportIdentifier(workflow.exportName);
  const bind = `${names.core.bindWorkflow}(${names.resolveClient}, ${contractName(workflow.exportName)});`;
  if (isDeclarableName(name)) return [`export const ${name} = ${bind}`];
  const local = names.imports.local(`${name}Stub`);
  return [`const ${local} = ${bind}`, `export { ${local} as ${name} };`];
}

/** A step name as a property name: bare when it is an identifier. */
function propertyName(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : quote(name);
}
