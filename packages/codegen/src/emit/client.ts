import { exportIdentifier } from '../analyze/export-name.js';
import type { ModuleResolver } from '../analyze/schema-module.js';
import type { TaskEntry } from '../analyze/task-file.js';
import type { ResolvedWorkflow } from '../analyze/workflow-plan.js';
import { type ClientNames, clientNames, contractName, coreImportLine } from './client-names.js';
import { exportedAs, isDeclarableName, quote } from './imports.js';
import { renderTask } from './render-schema.js';
import { emitWorkflow, workflowContractsLine } from './workflow-client.js';

/** A task ready to write out: its entry, fingerprint and (without `output`) result type. */
export interface ResolvedTask extends TaskEntry {
  /** Task file path relative to the config, `/`-separated. */
  readonly relativeFile: string;
  readonly fingerprint: string;
  /** Result type text when the task has no output schema. */
  readonly resultType: string | undefined;
}

export interface EmitOptions {
  /** Absolute path of the file being written. */
  readonly outFile: string;
  readonly importExtension: '.js' | '.ts' | '';
  /** First lines of the file (the "generated" notice). */
  readonly header: string;
  /**
   * Resolves from the file being written: a schema module imported through a `paths` alias
   * or a package keeps that specifier where it resolves to the same file from there.
   */
  readonly resolver?: Pick<ModuleResolver, 'resolve'>;
}

/**
 * The producer module: one contract and one lazily bound stub per task and per workflow,
 * and schemas copied (or imported from `*.schema.ts`), never an import of a task file.
 */
export function emitClient(
  tasks: readonly ResolvedTask[],
  workflows: readonly ResolvedWorkflow[],
  options: EmitOptions,
): string {
  const names = clientNames(tasks, workflows);
  const blocks = tasks.map((task) => emitTask(task, names, options));
  // After the tasks: a workflow's contract refers to its last stage's task contracts.
  const workflowBlocks = workflows.map((workflow) => emitWorkflow(workflow, names, options));
  const coreImport = coreImportLine(names, [...blocks, ...workflowBlocks].join('\n'));
  const { clientRef, resolveClient, core } = names;

  const lines = [
    options.header,
    coreImport,
    ...names.imports.render(),
    '',
    `let ${clientRef}: ${core.Client} | (() => ${core.Client}) | undefined;`,
    '',
    '/**',
    ' * Sets the client every stub in this module enqueues through. Call it once at start-up;',
    ' * pass a function to create the client on the first call instead.',
    ' *',
    ' * @example',
    ' * configureConveyor(createClient({ transport: redisTransport({ url: process.env.REDIS_URL }) }));',
    ' */',
    `export function configureConveyor(client: ${core.Client} | (() => ${core.Client})): void {`,
    `  ${clientRef} = client;`,
    '}',
    '',
    `function ${resolveClient}(): ${core.Client} {`,
    `  if (${clientRef} === undefined) {`,
    `    throw new ${core.InvalidOptionError}(`,
    "      'client',",
    '      undefined,',
    "      'a client: call configureConveyor(client) from this generated module before the first .delay()',",
    '    );',
    '  }',
    `  return typeof ${clientRef} === 'function' ? ${clientRef}() : ${clientRef};`,
    '}',
    ...blocks,
    ...workflowBlocks,
    '',
    '/** Every contract in this module, sorted by task name. */',
    `export const contracts = [${tasks.map((task) => contractName(task.exportName)).join(', ')}] as const;`,
    ...(workflows.length === 0 ? [] : workflowContractsLine(workflows)),
    '',
  ];
  return lines.join('\n');
}

function emitTask(task: ResolvedTask, names: ClientNames, options: EmitOptions): string {
  const { imports, core } = names;
  const rendered = renderTask(task, imports, options);
  const prefix = exportIdentifier(task.exportName);
  const contract = contractName(task.exportName);
  const input = names.inputSchema(task.exportName);
  const output = task.output && names.outputSchema(task.exportName);
  // `export { remove as delete }` in the task file: the stub keeps the export name, which
  // `export const delete` could not declare.
  const bind = `${core.bindTask}(${names.resolveClient}, ${contract});`;
  const local = isDeclarableName(prefix) ? undefined : imports.local(`${prefix}Stub`);
  const stub = local
    ? [`const ${local} = ${bind}`, `export { ${local} as ${prefix} };`]
    : [`export const ${prefix} = ${bind}`];
  // With an output schema, core decodes the stored result with it; without one, a reader
  // gets the JSON form of what run returns (a Date arrives as a string).
  const result = output
    ? `${core.InferSchemaOutput}<typeof ${output}>`
    : `${core.Jsonify}<${rendered.declaredResult ?? task.resultType ?? 'unknown'}>`;
  const fields = [
    `  name: ${quote(task.name)},`,
    `  input: ${input},`,
    ...(output ? [`  output: ${output},`] : []),
    ...task.options.map(([key, value]) => `  ${key}: ${value},`),
    `  fingerprint: ${quote(task.fingerprint)},`,
  ];
  return [
    '',
    `// ${task.name}, from ${task.relativeFile}${exportedAs(task.exportName)}`,
    ...rendered.declarations,
    `const ${input} = ${rendered.input};`,
    ...(output && rendered.output ? [`const ${output} = ${rendered.output};`] : []),
    '',
    `/** Contract of ${quote(task.name)}: what a producer needs, without \`run\`. */`,
    `export const ${contract} = ${core.taskContract}<`,
    `  ${quote(task.name)},`,
    `  typeof ${input},`,
    `  ${result}`,
    '>({',
    ...fields,
    '});',
    '',
    `/** \`${prefix}.delay(input)\` enqueues ${quote(task.name)}. */`,
    ...stub,
  ].join('\n');
}
