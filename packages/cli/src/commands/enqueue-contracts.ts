// The tasks and workflows `conveyor enqueue` can start: read from the generated client (or
// --tasks), found by name.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type AnyTaskContract,
  type AnyWorkflowLike,
  isSchema,
  isWorkflow,
  isWorkflowContract,
} from '@conveyor/core';
import { nearestName } from '@conveyor/core/transport';
import { generatedFromConfig } from '../config-registry.js';
import { CliError } from '../errors.js';
import { importModule } from '../import-module.js';
import { namedList } from '../output.js';

/** A task to enqueue or a workflow to start. */
export type Enqueueable =
  | { kind: 'task'; contract: AnyTaskContract }
  | { kind: 'workflow'; contract: AnyWorkflowLike };

/** The tasks and workflows a producer can start, by name, and the module they came from. */
export interface LoadedContracts {
  byName: ReadonlyMap<string, Enqueueable>;
  label: string;
  /** Export name -> the task's or workflow's name, for a name typed as the export. */
  byExport?: ReadonlyMap<string, Enqueueable>;
  /** Names a task and a workflow both have (a worker refuses that; a module may not). */
  ambiguous?: ReadonlySet<string>;
}

/**
 * The tasks of `--tasks <module>`, else of the generated client the config names: that
 * module holds each task's contract (its schema, queue and options) and imports no task
 * code, so enqueueing from the command line loads none of the worker's dependencies.
 */
export async function loadContracts(
  tasks: string | undefined,
  config: string | undefined,
  cwd: string,
): Promise<LoadedContracts> {
  let file: string;
  if (tasks !== undefined) {
    file = path.resolve(cwd, tasks);
    if (!existsSync(file)) {
      throw new CliError(
        'TASKS_LOAD_FAILED',
        `--tasks ${JSON.stringify(tasks)}: no such file (${file}). Name the generated client or registry, or a module that exports tasks.`,
      );
    }
  } else {
    ({ file } = await generatedFromConfig(config, cwd, 'client'));
  }
  const label = path.relative(cwd, file) || file;
  let exports: Record<string, unknown>;
  try {
    exports = (await importModule(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new CliError('TASKS_LOAD_FAILED', `${label} could not be imported: ${reason}`, {
      cause: error,
    });
  }
  const byName = new Map<string, Enqueueable>();
  const byExport = new Map<string, Enqueueable>();
  const ambiguous = new Set<string>();
  for (const [exported, value] of Object.entries(exports)) {
    const found = enqueueableOf(value);
    if (!found) continue;
    const { name } = found.contract;
    if (byName.get(name)?.kind === (found.kind === 'task' ? 'workflow' : 'task')) {
      ambiguous.add(name);
    }
    byName.set(name, found);
    byExport.set(exported, found);
  }
  if (byName.size === 0) {
    throw new CliError(
      'TASKS_LOAD_FAILED',
      `${label} exports no task nor workflow: name the client or registry \`conveyor generate\` writes, or a module that exports defineTask() or taskContract() values.`,
    );
  }
  return { byName, label, byExport, ambiguous };
}

/**
 * A workflow's definition or contract, or a task's (a name and an input schema); a stub
 * (`.delay()`) has no schema of its own.
 */
function enqueueableOf(value: unknown): Enqueueable | undefined {
  if (isWorkflow(value) || isWorkflowContract(value)) return { kind: 'workflow', contract: value };
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, input } = value as { name?: unknown; input?: unknown };
  if (typeof name !== 'string' || !isSchema(input)) return undefined;
  return { kind: 'task', contract: value as AnyTaskContract };
}

/**
 * Names the unknown-name error lists before it counts the rest: the names are what the reader
 * needs to retype the command, and a project's tasks are rarely more.
 */
const NAMES_LISTED = 20;

/** The task (or workflow) named `name`, or `NOT_FOUND` naming the nearest one and listing the rest. */
export function contractNamed(contracts: LoadedContracts, name: string): Enqueueable {
  // The export name (`greet` for the task named "app.greet") is what the code calls it.
  const exported = contracts.byName.has(name) ? undefined : contracts.byExport?.get(name);
  const named = exported?.contract.name ?? name;
  if (contracts.ambiguous?.has(named)) {
    throw new CliError(
      'USAGE',
      `${JSON.stringify(named)} in ${contracts.label} names both a task and a workflow, so which to enqueue is unclear (a worker refuses the two under one name): rename the workflow, e.g. to ${JSON.stringify(`${named}.flow`)}, and run \`conveyor generate\` again.`,
    );
  }
  const found = contracts.byName.get(name);
  if (found) return found;
  const names = [...contracts.byName.keys()].sort();
  const near = exported?.contract.name ?? nearestName(name, names);
  const hint = near
    ? `Did you mean ${JSON.stringify(near)}${exported ? ` (the ${exported.kind} exported as ${name})` : ''}? `
    : '';
  throw new CliError(
    'NOT_FOUND',
    `No task or workflow ${JSON.stringify(name)} in ${contracts.label}. ${hint}It has: ${namedList(names, 'names', NAMES_LISTED)}.`,
  );
}
