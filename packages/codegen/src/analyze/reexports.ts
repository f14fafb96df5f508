import { readFile } from 'node:fs/promises';
import { ts } from 'ts-morph';
import type { Diagnostic } from '../diagnostics.js';
import { isTypeScriptFile } from './not-typescript.js';
import { type ReexportSite, reexportSites } from './reexport-sites.js';
import { coreCallTest, coreReferences } from './schedule-file.js';
import type { ModuleResolver } from './schema-module.js';
import {
  literalStringOption,
  type TopLevelBinding,
  topLevelBindings,
  unwrapExpression,
} from './scope.js';
import { exportedNames } from './task-file.js';

/**
 * Tasks a task file exports from a file that is not a task file: codegen reads tasks only
 * from the files `tasks` matches, so such a task gets no stub and no registry entry, no
 * worker runs it, and its jobs are dead-lettered UNKNOWN_TASK. Re-exports are followed
 * through files outside `tasks` (barrels) until they reach a `defineTask` or a task file.
 */

/** A `defineTask` found behind a re-export. */
interface FoundTask {
  /** Undefined when the name is not a string literal. */
  readonly name: string | undefined;
  /** The name its own file exports it under. */
  readonly exportName: string;
  readonly file: string;
}

interface OutsideFile {
  readonly text: string;
  /** export name → task name, for each `export const x = defineTask(…)`. */
  readonly tasks: ReadonlyMap<string, string | undefined>;
  readonly sites: readonly ReexportSite[];
}

/**
 * Checks the re-exports of task files, reading the files outside `tasks` they lead to
 * (each parsed again only when its text changed). One per generator.
 */
export function createReexportCheck(resolver: ModuleResolver, tasks: readonly string[]) {
  const cache = new Map<string, OutsideFile>();
  const load = async (file: string): Promise<OutsideFile | undefined> => {
    if (!isTypeScriptFile(file) || /\.d\.[mc]?ts$/.test(file)) return undefined;
    if (file.split(/[\\/]/).includes('node_modules')) return undefined;
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const cached = cache.get(file);
    if (cached?.text === text) return cached;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const bindings = topLevelBindings(source);
    const entry = {
      text,
      tasks: exportedTasks(source, bindings),
      sites: reexportSites(source, bindings),
    };
    cache.set(file, entry);
    return entry;
  };

  /** The tasks `file` exports as `name` (`*`: all), when `file` is not a task file. */
  const follow = async (
    file: string,
    name: string,
    isTaskFile: (file: string) => boolean,
    seen: Set<string>,
  ): Promise<FoundTask[]> => {
    const key = `${file}\0${name}`;
    if (isTaskFile(file) || seen.has(key)) return [];
    seen.add(key);
    const loaded = await load(file);
    if (!loaded) return [];
    const found: FoundTask[] = [];
    for (const [exportName, task] of loaded.tasks) {
      if (name === '*' || name === exportName) found.push({ name: task, exportName, file });
    }
    for (const site of loaded.sites) {
      // `export *` passes every name on but the default; a named export only its own.
      const passes =
        name === '*' || site.exported === name || (site.exported === '*' && name !== 'default');
      const target = passes ? resolver.resolve(site.specifier, file) : undefined;
      if (target === undefined) continue;
      const wanted = site.exported === '*' ? name : site.imported;
      found.push(...(await follow(target, wanted, isTaskFile, seen)));
    }
    return found;
  };

  return {
    /** Diagnostics for `sites` of the task file `file` (relative: `relative`). */
    async problems(
      file: string,
      relative: string,
      sites: readonly ReexportSite[],
      isTaskFile: (file: string) => boolean,
    ): Promise<Diagnostic[]> {
      const diagnostics: Diagnostic[] = [];
      for (const site of sites) {
        const target = resolver.resolve(site.specifier, file);
        if (!target) continue;
        const found = await follow(target, site.imported, isTaskFile, new Set());
        for (const task of found) {
          const where = resolver.relative(task.file);
          const label =
            task.name === undefined
              ? `task ${task.exportName}`
              : `task ${JSON.stringify(task.name)} (${task.exportName})`;
          diagnostics.push({
            code: 'TASK_OUTSIDE_TASK_FILES',
            file: relative,
            line: site.line,
            column: site.column,
            message: `${label} is exported here but defined in ${where}, which is not a task file (\`tasks\` is ${JSON.stringify(tasks)}); codegen reads tasks only from task files, so it gets no stub and no registry entry, no worker runs it, and its jobs are dead-lettered UNKNOWN_TASK.`,
            fix: `Add ${where} to the config's \`tasks\` globs, or define the task in a task file.`,
          });
        }
      }
      return diagnostics;
    },
  };
}

/** export name → task name of each `defineTask` const a file exports by name. */
function exportedTasks(
  source: ts.SourceFile,
  bindings: ReadonlyMap<string, TopLevelBinding>,
): Map<string, string | undefined> {
  const tasks = new Map<string, string | undefined>();
  const names = coreReferences(bindings, 'defineTask');
  if (names.direct.size === 0 && names.namespaces.size === 0) return tasks;
  const isDefineTask = coreCallTest(names, 'defineTask');
  const exported = exportedNames(source);
  for (const [local, binding] of bindings) {
    const exportName = exported.get(local);
    const initializer = binding.kind === 'const' ? binding.node.initializer : undefined;
    if (exportName === undefined || !initializer || !isDefineTask(initializer)) continue;
    const call = unwrapExpression(initializer) as ts.CallExpression;
    tasks.set(exportName, literalStringOption(call, 'name'));
  }
  return tasks;
}
