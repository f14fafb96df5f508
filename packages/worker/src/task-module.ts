import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type AnyTaskDefinition,
  createTaskRegistry,
  InvalidOptionError,
  type TaskRegistry,
} from '@conveyor/core';

/** A module path (relative to the working directory), an absolute path or a `file:` URL, as a URL. */
export function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) return module;
  return pathToFileURL(isAbsolute(module) ? module : resolve(module)).href;
}

/**
 * Imports a task module and builds its registry. The module exports `tasks` (a list, a
 * record or a registry: what codegen's registry module exports), or else its task
 * definitions as named exports.
 *
 * @example
 * const registry = await loadTaskModule('./src/conveyor/registry.ts');
 * registry.names(); // ['shop.sendOrderEmail', …]
 */
export async function loadTaskModule(module: string | URL): Promise<TaskRegistry> {
  const url = moduleUrl(module);
  const exports = (await import(url)) as Record<string, unknown>;
  const tasks = exports.tasks ?? (exports.default as Record<string, unknown> | undefined)?.tasks;
  if (isRegistry(tasks)) return tasks;
  if (Array.isArray(tasks) || (typeof tasks === 'object' && tasks !== null)) {
    return createTaskRegistry(tasks as Record<string, AnyTaskDefinition>);
  }
  const found = Object.values(exports).filter(isTask);
  if (found.length === 0) {
    throw new InvalidOptionError(
      'task module',
      url,
      'a module exporting `tasks` (a list or record of defineTask results) or task definitions',
    );
  }
  return createTaskRegistry(found);
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
