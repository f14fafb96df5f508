import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyTaskDefinition, TaskRegistry } from '@conveyor/core';
import { CliError } from './errors.js';

export type LoadedTasks = readonly AnyTaskDefinition[] | TaskRegistry;

let tsxRegistered = false;

/**
 * Imports a task module and finds its tasks: the `tasks` export, else the default
 * export, else `registry` (an array or record of task definitions, or a registry, as the
 * codegen writes them), else every named export that is a task. TypeScript modules load
 * through tsx, registered on first need so that a project that already runs under tsx
 * keeps its own set-up.
 *
 * @example
 * const tasks = await loadTasks('src/generated/registry.ts', process.cwd());
 */
export async function loadTasks(
  modulePath: string,
  cwd: string,
): Promise<{ file: string; tasks: LoadedTasks; names: string[] }> {
  const file = path.resolve(cwd, modulePath);
  if (!existsSync(file)) {
    throw new CliError(
      'TASKS_LOAD_FAILED',
      `Task module ${JSON.stringify(modulePath)} not found (looked at ${file}). Check the --tasks path.`,
    );
  }
  const namespace = await importModule(file, modulePath);
  const tasks = findTasks(namespace);
  if (!tasks) {
    throw new CliError(
      'TASKS_LOAD_FAILED',
      `Task module ${JSON.stringify(modulePath)} exports no tasks: export \`tasks\` (an array or record of defineTask results), a default export of one, or the tasks themselves.`,
    );
  }
  const names = isRegistry(tasks) ? tasks.names() : tasks.map((task) => task.name).sort();
  return { file, tasks, names };
}

async function importModule(
  file: string,
  given: string,
  retry = false,
): Promise<Record<string, unknown>> {
  // A failed import may stay cached under its URL: the retry under tsx uses a fresh one.
  const url = pathToFileURL(file).href + (retry ? '?conveyor-tsx' : '');
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && !tsxRegistered) {
      tsxRegistered = true;
      const { register } = await import('tsx/esm/api');
      register();
      return importModule(file, given, true);
    }
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new CliError(
      'TASKS_LOAD_FAILED',
      `Could not load task module ${JSON.stringify(given)}: ${detail}`,
      { cause: error },
    );
  }
}

function isTask(value: unknown): value is AnyTaskDefinition {
  const candidate = value as Partial<AnyTaskDefinition> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.name === 'string' &&
    typeof candidate.run === 'function'
  );
}

function isRegistry(value: unknown): value is TaskRegistry {
  const candidate = value as Partial<TaskRegistry> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.get === 'function' &&
    typeof candidate.names === 'function'
  );
}

/** Tasks out of an export: a registry, an array or a record of tasks; undefined otherwise. */
function tasksOf(value: unknown): LoadedTasks | undefined {
  if (isRegistry(value)) return value;
  const list = Array.isArray(value)
    ? value
    : typeof value === 'object' && value !== null && !isTask(value)
      ? Object.values(value)
      : undefined;
  if (!list || list.length === 0 || !list.every(isTask)) return undefined;
  return list;
}

function findTasks(namespace: Record<string, unknown>): LoadedTasks | undefined {
  for (const name of ['tasks', 'default', 'registry']) {
    const found = tasksOf(namespace[name]);
    if (found) return found;
  }
  const named = Object.values(namespace).filter(isTask);
  return named.length > 0 ? [...new Set(named)] : undefined;
}
