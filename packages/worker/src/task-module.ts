import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type AnyTaskDefinition,
  type AnyWorkflow,
  createTaskRegistry,
  isWorkflow,
  type TaskRegistry,
} from '@conveyor/core';
import { TaskModuleError } from './errors.js';

export interface LoadTaskModuleOptions {
  /** What a relative path is relative to. Default: `process.cwd()`. */
  cwd?: string;
  /**
   * Imports the module by URL. Default: `import()`. The CLI passes one that registers tsx
   * when Node cannot load a TypeScript file, so the worker itself does not need tsx.
   */
  importModule?: (url: string) => Promise<unknown>;
}

/** A module path (relative to `cwd`), an absolute path or a URL, as a URL. */
export function moduleUrl(module: string | URL, cwd: string = process.cwd()): string {
  if (module instanceof URL) return module.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) return module;
  return pathToFileURL(isAbsolute(module) ? module : resolve(cwd, module)).href;
}

/**
 * Imports a task module and builds its registry. The worker process (`conveyor worker
 * --tasks`) and every sandbox child load modules through this, so both find the same
 * tasks. It looks, in order, at the `tasks` export, the default export (also its `tasks`,
 * as CommonJS exports arrive), and the `registry` export: the first that is a registry or
 * a list or record of task definitions wins. Else every exported task definition counts.
 * Throws {@link TaskModuleError} when the module is missing, fails to import, or has no tasks.
 *
 * @example
 * const registry = await loadTaskModule('./src/conveyor/registry.ts');
 * registry.names(); // ['shop.sendOrderEmail', …]
 */
export async function loadTaskModule(
  module: string | URL,
  options: LoadTaskModuleOptions = {},
): Promise<TaskRegistry> {
  const given = module instanceof URL ? module.href : module;
  const url = moduleUrl(module, options.cwd);
  if (url.startsWith('file:')) {
    const file = fileURLToPath(url);
    if (!existsSync(file)) {
      throw new TaskModuleError(given, `not found (looked at ${file}). Check the path.`);
    }
  }
  let namespace: Record<string, unknown>;
  try {
    const importModule = options.importModule ?? ((href: string) => import(href));
    namespace = (await importModule(url)) as Record<string, unknown>;
  } catch (error) {
    // The module may import many files: say which one threw (a task file's top-level
    // `need('SMTP_URL')`), else the reason alone named only the module given.
    const site = throwSite(error, options.cwd ?? process.cwd());
    throw new TaskModuleError(
      given,
      `could not be imported: ${headline(error)}${site ? ` (thrown at ${site})` : ''}`,
      { cause: error },
    );
  }
  const found = tasksIn(namespace);
  if (!found && isEmptyList(namespace.tasks ?? (namespace.default as { tasks?: unknown })?.tasks)) {
    // A codegen registry whose `tasks` globs matched no file: "exports no tasks" while it
    // lists `tasks` among its exports read as a contradiction.
    throw new TaskModuleError(
      given,
      "exports an empty `tasks` list. A registry from `conveyor generate` is empty when the config's `tasks` globs match no task file: fix them and run `conveyor generate` again.",
    );
  }
  if (!found) {
    const names = Object.keys(namespace).sort();
    throw new TaskModuleError(
      given,
      `exports no tasks: export \`tasks\` (a list, record or registry of defineTask results), a default export of one, or the tasks themselves (it exports: ${names.join(', ') || 'nothing'}).`,
    );
  }
  if (isTaskRegistry(found)) return found;
  try {
    return createTaskRegistry(found);
  } catch (error) {
    throw new TaskModuleError(given, `has an unusable task list: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Where a module keeps its tasks; see {@link loadTaskModule} for the order. */
function tasksIn(
  namespace: Record<string, unknown>,
): TaskRegistry | readonly AnyTaskDefinition[] | undefined {
  const fromDefault = (namespace.default as { tasks?: unknown } | null | undefined)?.tasks;
  for (const value of [namespace.tasks, namespace.default, fromDefault, namespace.registry]) {
    const found = collectionOf(value);
    if (found) return found;
  }
  const named = [...new Set(Object.values(namespace).filter(isTaskDefinition))];
  return named.length > 0 ? named : undefined;
}

function isEmptyList(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return (
    typeof value === 'object' &&
    value !== null &&
    !isTaskRegistry(value) &&
    Object.getPrototypeOf(value) === Object.prototype &&
    Object.keys(value).length === 0
  );
}

/** A registry, or a non-empty list or record made only of task definitions. */
function collectionOf(value: unknown): TaskRegistry | readonly AnyTaskDefinition[] | undefined {
  if (isTaskRegistry(value)) return value;
  if (typeof value !== 'object' || value === null || isTaskDefinition(value)) return undefined;
  const list: unknown[] = Array.isArray(value) ? value : Object.values(value);
  if (list.length === 0 || !list.every(isTaskDefinition)) return undefined;
  return list as AnyTaskDefinition[];
}

/**
 * The workflows a task module exports, found as its tasks are: its `workflows` export (a
 * list or record of defineWorkflow results, as the codegen registry writes it), else the
 * default export's `workflows`, else every exported workflow. Throws
 * {@link TaskModuleError} when a `workflows` export holds anything else.
 *
 * @example
 * createWorker({ transport, tasks: registry, workflows: workflowsIn(await import(url), url) });
 */
export function workflowsIn(namespace: Record<string, unknown>, module: string): AnyWorkflow[] {
  const fromDefault = (namespace.default as { workflows?: unknown } | null | undefined)?.workflows;
  for (const [name, value] of [
    ['workflows', namespace.workflows],
    ['default.workflows', fromDefault],
  ] as const) {
    if (value === undefined) continue;
    const list = typeof value === 'object' && value !== null ? Object.values(value) : undefined;
    if (list === undefined || isWorkflow(value) || !list.every(isWorkflow)) {
      throw new TaskModuleError(
        module,
        `exports \`${name}\`, but it is not a list or record of defineWorkflow results. Export the workflows themselves, or a list of them.`,
      );
    }
    return list as AnyWorkflow[];
  }
  return [...new Set(Object.values(namespace).filter(isWorkflow))];
}

/** Looks like a `defineTask` result: a name and a `run` function. */
export function isTaskDefinition(value: unknown): value is AnyTaskDefinition {
  const candidate = value as Partial<AnyTaskDefinition> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.name === 'string' &&
    typeof candidate.run === 'function'
  );
}

/** Looks like a {@link TaskRegistry}: `get` and `names`. */
export function isTaskRegistry(value: unknown): value is TaskRegistry {
  const candidate = value as Partial<TaskRegistry> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.get === 'function' &&
    typeof candidate.names === 'function'
  );
}

/**
 * The line an error is told by: its message's first, with the next that is not blank when
 * the first only announces it (esbuild's "Transform failed with 1 error:", with the file,
 * line, column and reason on the line after).
 */
function headline(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const [first = '', ...rest] = error.message.split('\n');
  const next = rest.find((line) => line.trim() !== '');
  return first.endsWith(':') && next ? `${first} ${next.trim()}` : first;
}

/** `at fn (file:///a/b.ts?q:3:9)`, `at /a/b.ts:3:9`: the location, line and column. */
const FRAME = /^\s*at (?:.*?\()?((?:file:\/\/)?(?:\/|[A-Za-z]:[\\/])[^()]*?):(\d+):(\d+)\)?$/;

/**
 * Where `error` was thrown in the user's code: the first frame of its stack in a file
 * outside node_modules and Node's internals, as `file:line:col`, relative to `cwd` when
 * inside it. Undefined when no frame is one (a syntax error has none).
 */
function throwSite(error: unknown, cwd: string): string | undefined {
  const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : '';
  for (const line of stack.split('\n')) {
    const match = FRAME.exec(line);
    if (!match) continue;
    const [, location = '', row, column] = match;
    let file = location.replace(/\?[^/\\]*$/, '');
    try {
      if (file.startsWith('file:')) file = fileURLToPath(file);
    } catch {
      continue;
    }
    if (file.split(/[\\/]/).includes('node_modules')) continue;
    // Conveyor's own code (defineTask refusing an option): linked from a workspace, it is not
    // under node_modules, and the user's line is the next frame.
    if (conveyorRoots().some((root) => file.startsWith(root))) continue;
    const inside = relative(cwd, file);
    const shown = inside && !inside.startsWith(`..${sep}`) && !isAbsolute(inside) ? inside : file;
    return `${shown}:${row}:${column}`;
  }
  return undefined;
}

let roots: string[] | undefined;

/**
 * The directories of the Conveyor packages a task module's definitions run in (core, and this
 * one), found once: the package directory above each one's entry file.
 */
function conveyorRoots(): string[] {
  if (roots) return roots;
  roots = [];
  for (const entry of [safeResolve('@conveyor/core'), import.meta.url]) {
    if (entry === undefined) continue;
    let dir = dirname(fileURLToPath(entry));
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    roots.push(`${dir}${sep}`);
  }
  return roots;
}

function safeResolve(specifier: string): string | undefined {
  try {
    return import.meta.resolve(specifier);
  } catch {
    return undefined;
  }
}
