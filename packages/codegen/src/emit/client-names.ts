import { exportIdentifier } from '../analyze/export-name.js';
import type { TaskEntry } from '../analyze/task-file.js';
import type { ResolvedWorkflow } from '../analyze/workflow-plan.js';
import { createImportSet, type ImportSet } from './imports.js';

/**
 * What the producer module exports besides its stubs and contracts. A task or workflow
 * exported under one of these names is a RESERVED_EXPORT_NAME (analyze/duplicates.ts).
 */
export const CLIENT_EXPORTS = ['configureConveyor', 'contracts', 'workflowContracts'] as const;

/** Every core name the module may import, in the import's order; types marked. */
const CORE_IMPORTS = [
  ['bindTask', false],
  ['bindWorkflow', false],
  ['Client', true],
  ['InferSchemaOutput', true],
  ['InvalidOptionError', false],
  ['Jsonify', true],
  ['TaskResult', true],
  ['taskContract', false],
  ['workflowContract', false],
] as const;
type CoreName = (typeof CORE_IMPORTS)[number][0];
/** Used by the module's fixed part, whatever its tasks. */
const ALWAYS_IMPORTED: ReadonlySet<CoreName> = new Set(['Client', 'InvalidOptionError']);

/**
 * The identifiers the producer module declares for itself. Its exports (stubs, contracts,
 * {@link CLIENT_EXPORTS}) keep their names, as users import them; the rest (core imports,
 * `resolveClient`, schema consts) take another name where an export has theirs, so that a
 * task exported as `bindTask` or `sendInputSchema` still compiles.
 */
export interface ClientNames {
  /** The local name of each core import (`bindTask`, or `bindTask_2` when a task has that name). */
  readonly core: Readonly<Record<CoreName, string>>;
  readonly clientRef: string;
  readonly resolveClient: string;
  /** The input schema const of a task or workflow, by export name. */
  inputSchema(exportName: string): string;
  /** The output schema const of a task that has one, by export name. */
  outputSchema(exportName: string): string;
  /** Hands out the module's other local names (imports, stubs under a reserved word). */
  readonly imports: ImportSet;
}

/** `<export identifier>Contract`: the contract a task or workflow is exported with. */
export function contractName(exportName: string): string {
  return `${exportIdentifier(exportName)}Contract`;
}

/** Names the module's exports first, then its own identifiers around them. */
export function clientNames(
  tasks: readonly Pick<TaskEntry, 'exportName' | 'output'>[],
  workflows: readonly Pick<ResolvedWorkflow, 'exportName'>[],
): ClientNames {
  const exported = [...tasks, ...workflows].flatMap(({ exportName }) => [
    exportIdentifier(exportName),
    contractName(exportName),
  ]);
  const imports = createImportSet([...CLIENT_EXPORTS, ...exported]);
  const core = Object.fromEntries(
    CORE_IMPORTS.map(([name]) => [name, imports.local(name)]),
  ) as Record<CoreName, string>;
  const clientRef = imports.local('clientRef');
  const resolveClient = imports.local('resolveClient');
  const inputs = new Map<string, string>();
  const outputs = new Map<string, string>();
  const schemaConst = (exportName: string, kind: 'Input' | 'Output') =>
    imports.local(`${exportIdentifier(exportName)}${kind}Schema`);
  for (const { exportName, output } of tasks) {
    inputs.set(exportName, schemaConst(exportName, 'Input'));
    if (output) outputs.set(exportName, schemaConst(exportName, 'Output'));
  }
  for (const { exportName } of workflows) inputs.set(exportName, schemaConst(exportName, 'Input'));
  const lookup = (names: Map<string, string>, what: string) => (exportName: string) => {
    const name = names.get(exportName);
    if (name === undefined) throw new Error(`no ${what} name for ${JSON.stringify(exportName)}`);
    return name;
  };
  return {
    core,
    clientRef,
    resolveClient,
    inputSchema: lookup(inputs, 'input schema'),
    outputSchema: lookup(outputs, 'output schema'),
    imports,
  };
}

/**
 * The import of `@conveyor/core`: the names the tasks' and workflows' blocks use, so that a
 * project with `noUnusedLocals` compiles the module (`InferSchemaOutput` is only used with an
 * output schema, `Jsonify` only without one). A schema's own text naming one keeps it: an
 * unused import at worst, as before.
 */
export function coreImportLine(names: ClientNames, blocks: string): string {
  const used = CORE_IMPORTS.filter(
    ([name]) => ALWAYS_IMPORTED.has(name) || new RegExp(`\\b${names.core[name]}\\b`).test(blocks),
  ).map(([name, type]) => {
    const local = names.core[name];
    return `${type ? 'type ' : ''}${name}${local === name ? '' : ` as ${local}`}`;
  });
  return `import { ${used.join(', ')} } from '@conveyor/core';`;
}
