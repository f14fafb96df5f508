import { exportIdentifier } from '../analyze/export-name.js';
import type { ModuleResolver } from '../analyze/schema-module.js';
import type { TaskEntry } from '../analyze/task-file.js';
import type { ResolvedWorkflow } from '../analyze/workflow-plan.js';
import { createImportSet, exportedAs, isDeclarableName, quote } from './imports.js';
import { renderTask } from './render-schema.js';
import { emitWorkflow, workflowContractsLine, workflowNames } from './workflow-client.js';

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

/** Every core name the module may import, in the import's order; types marked. */
const CORE_IMPORTS: ReadonlyArray<[name: string, type: boolean]> = [
  ['bindTask', false],
  ['bindWorkflow', false],
  ['Client', true],
  ['InferSchemaOutput', true],
  ['InvalidOptionError', false],
  ['Jsonify', true],
  ['TaskResult', true],
  ['taskContract', false],
  ['workflowContract', false],
];
/** Used by the module's fixed part, whatever its tasks. */
const ALWAYS_IMPORTED = new Set(['Client', 'InvalidOptionError']);

/**
 * The import of `@conveyor/core`: the names the tasks' and workflows' blocks use, so that a
 * project with `noUnusedLocals` compiles the module (`InferSchemaOutput` is only used with an
 * output schema, `Jsonify` only without one). A schema's own text naming one keeps it: an
 * unused import at worst, as before.
 */
function coreImportLine(blocks: string): string {
  const names = CORE_IMPORTS.filter(
    ([name]) => ALWAYS_IMPORTED.has(name) || new RegExp(`\\b${name}\\b`).test(blocks),
  ).map(([name, type]) => (type ? `type ${name}` : name));
  return `import { ${names.join(', ')} } from '@conveyor/core';`;
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
  const reserved = new Set([
    ...CORE_IMPORTS.map(([name]) => name),
    'workflowContracts',
    'configureConveyor',
    'contracts',
    'clientRef',
    'resolveClient',
  ]);
  for (const task of tasks) {
    const prefix = exportIdentifier(task.exportName);
    reserved.add(prefix);
    reserved.add(contractName(task));
    reserved.add(`${prefix}InputSchema`);
    reserved.add(`${prefix}OutputSchema`);
  }
  for (const workflow of workflows) {
    for (const name of workflowNames(workflow)) reserved.add(name);
  }
  const imports = createImportSet(reserved);
  const blocks = tasks.map((task) => emitTask(task, imports, options));
  // After the tasks: a workflow's contract refers to its last stage's task contracts.
  const workflowBlocks = workflows.map((workflow) => emitWorkflow(workflow, imports, options));
  const coreImport = coreImportLine([...blocks, ...workflowBlocks].join('\n'));

  const lines = [
    options.header,
    coreImport,
    ...imports.render(),
    '',
    'let clientRef: Client | (() => Client) | undefined;',
    '',
    '/**',
    ' * Sets the client every stub in this module enqueues through. Call it once at start-up;',
    ' * pass a function to create the client on the first call instead.',
    ' *',
    ' * @example',
    ' * configureConveyor(createClient({ transport: redisTransport({ url: process.env.REDIS_URL }) }));',
    ' */',
    'export function configureConveyor(client: Client | (() => Client)): void {',
    '  clientRef = client;',
    '}',
    '',
    'function resolveClient(): Client {',
    '  if (clientRef === undefined) {',
    '    throw new InvalidOptionError(',
    "      'client',",
    '      undefined,',
    "      'a client: call configureConveyor(client) from this generated module before the first .delay()',",
    '    );',
    '  }',
    "  return typeof clientRef === 'function' ? clientRef() : clientRef;",
    '}',
    ...blocks,
    ...workflowBlocks,
    '',
    '/** Every contract in this module, sorted by task name. */',
    `export const contracts = [${tasks.map(contractName).join(', ')}] as const;`,
    ...(workflows.length === 0 ? [] : workflowContractsLine(workflows)),
    '',
  ];
  return lines.join('\n');
}

function emitTask(
  task: ResolvedTask,
  imports: ReturnType<typeof createImportSet>,
  options: EmitOptions,
): string {
  const rendered = renderTask(task, imports, options);
  const prefix = exportIdentifier(task.exportName);
  // `export { remove as delete }` in the task file: the stub keeps the export name, which
  // `export const delete` could not declare.
  const bind = `bindTask(resolveClient, ${contractName(task)});`;
  const local = isDeclarableName(prefix) ? undefined : imports.local(`${prefix}Stub`);
  const stub = local
    ? [`const ${local} = ${bind}`, `export { ${local} as ${prefix} };`]
    : [`export const ${prefix} = ${bind}`];
  // With an output schema, core decodes the stored result with it; without one, a reader
  // gets the JSON form of what run returns (a Date arrives as a string).
  const result = task.output
    ? `InferSchemaOutput<typeof ${prefix}OutputSchema>`
    : `Jsonify<${rendered.declaredResult ?? task.resultType ?? 'unknown'}>`;
  const fields = [
    `  name: ${quote(task.name)},`,
    `  input: ${prefix}InputSchema,`,
    ...(task.output ? [`  output: ${prefix}OutputSchema,`] : []),
    ...task.options.map(([key, value]) => `  ${key}: ${value},`),
    `  fingerprint: ${quote(task.fingerprint)},`,
  ];
  return [
    '',
    `// ${task.name}, from ${task.relativeFile}${exportedAs(task.exportName)}`,
    ...rendered.declarations,
    `const ${prefix}InputSchema = ${rendered.input};`,
    ...(rendered.output ? [`const ${prefix}OutputSchema = ${rendered.output};`] : []),
    '',
    `/** Contract of ${quote(task.name)}: what a producer needs, without \`run\`. */`,
    `export const ${contractName(task)} = taskContract<`,
    `  ${quote(task.name)},`,
    `  typeof ${prefix}InputSchema,`,
    `  ${result}`,
    '>({',
    ...fields,
    '});',
    '',
    `/** \`${prefix}.delay(input)\` enqueues ${quote(task.name)}. */`,
    ...stub,
  ].join('\n');
}

function contractName(task: TaskEntry): string {
  return `${exportIdentifier(task.exportName)}Contract`;
}
