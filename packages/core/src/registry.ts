import { InvalidOptionError } from './errors.js';
import type { AnyTaskDefinition } from './task.js';

/** The tasks a worker can run, by name. */
export interface TaskRegistry {
  get(name: string): AnyTaskDefinition | undefined;
  names(): string[];
}

/** Builds a registry; throws on two tasks with the same name. */
export function createTaskRegistry(
  tasks: readonly AnyTaskDefinition[] | Readonly<Record<string, AnyTaskDefinition>>,
): TaskRegistry {
  const list = Array.isArray(tasks) ? tasks : Object.values(tasks);
  const byName = new Map<string, AnyTaskDefinition>();
  for (const task of list) {
    if (typeof task !== 'object' || task === null || typeof task.run !== 'function') {
      throw new InvalidOptionError(
        'task list entry',
        typeof task === 'object' && task !== null ? Object.keys(task) : task,
        'tasks made by defineTask (export only tasks from a registry module)',
      );
    }
    if (byName.has(task.name) && byName.get(task.name) !== task) {
      throw new InvalidOptionError(
        'task list',
        task.name,
        'unique task names (this one appears twice)',
      );
    }
    byName.set(task.name, task);
  }
  const names = [...byName.keys()].sort();
  return { get: (name) => byName.get(name), names: () => [...names] };
}
