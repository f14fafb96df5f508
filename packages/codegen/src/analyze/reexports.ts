import { readFile } from 'node:fs/promises';
import { ts } from 'ts-morph';
import type { Diagnostic } from '../diagnostics.js';
import { defaultExportedNames } from './default-export.js';
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
 * Tasks, schedules and workflows a task file exports from a file that is not a task file:
 * codegen reads them only from the files `tasks` matches, so such a one gets no registry
 * entry (nor a stub): no worker runs the task (its jobs are dead-lettered UNKNOWN_TASK),
 * stores or fires the schedule, or runs the workflow. Re-exports are followed through files
 * outside `tasks` (barrels) until they reach a `define…` call or a task file.
 */

type DefinitionKind = 'task' | 'schedule' | 'workflow';

/** Each kind's core function and the option that names it. */
const DEFINITIONS = [
  { kind: 'task', define: 'defineTask', key: 'name' },
  { kind: 'schedule', define: 'defineSchedule', key: 'id' },
  { kind: 'workflow', define: 'defineWorkflow', key: 'name' },
] as const;

/** What codegen misses of a definition it does not read. */
const MISSED: Record<DefinitionKind, string> = {
  task: 'it gets no stub and no registry entry, no worker runs it, and its jobs are dead-lettered UNKNOWN_TASK',
  schedule: 'it gets no registry entry, and no worker stores or fires it',
  workflow: 'it gets no stub and no registry entry, and no worker runs it',
};

/** A `defineTask`, `defineSchedule` or `defineWorkflow` found behind a re-export. */
interface FoundDefinition {
  readonly kind: DefinitionKind;
  /** Its name (a schedule's id); undefined when not a string literal. */
  readonly name: string | undefined;
  /** The name its own file exports it under (`default` too). */
  readonly exportName: string;
  readonly file: string;
}

interface OutsideFile {
  readonly text: string;
  /** export name → each definition the file exports under it. */
  readonly definitions: ReadonlyMap<string, Omit<FoundDefinition, 'exportName' | 'file'>>;
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
      definitions: exportedDefinitions(source, bindings),
      sites: reexportSites(source, bindings),
    };
    cache.set(file, entry);
    return entry;
  };

  /** The definitions `file` exports as `name` (`*`: all), when `file` is not a task file. */
  const follow = async (
    file: string,
    name: string,
    isTaskFile: (file: string) => boolean,
    seen: Set<string>,
  ): Promise<FoundDefinition[]> => {
    const key = `${file}\0${name}`;
    if (isTaskFile(file) || seen.has(key)) return [];
    seen.add(key);
    const loaded = await load(file);
    if (!loaded) return [];
    const found: FoundDefinition[] = [];
    for (const [exportName, definition] of loaded.definitions) {
      // `export *` passes every name on but the default.
      const passes = name === '*' ? exportName !== 'default' : name === exportName;
      if (passes) found.push({ ...definition, exportName, file });
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
        for (const { kind, name, exportName, file: defined } of found) {
          const where = resolver.relative(defined);
          const label =
            name === undefined
              ? `${kind} ${exportName}`
              : `${kind} ${JSON.stringify(name)} (${exportName})`;
          const plural = `${kind}s`;
          diagnostics.push({
            code: 'TASK_OUTSIDE_TASK_FILES',
            file: relative,
            line: site.line,
            column: site.column,
            message: `${label} is exported here but defined in ${where}, which is not a task file (\`tasks\` is ${JSON.stringify(tasks)}); codegen reads ${plural} only from task files, so ${MISSED[kind]}.`,
            fix: `Add ${where} to the config's \`tasks\` globs, or define the ${kind} in a task file.`,
          });
        }
      }
      return diagnostics;
    },
  };
}

/**
 * export name → kind and name of each `defineTask`, `defineSchedule` or `defineWorkflow` a
 * file exports: a const exported by name or as the default, or `export default define…(…)`.
 */
function exportedDefinitions(
  source: ts.SourceFile,
  bindings: ReadonlyMap<string, TopLevelBinding>,
): Map<string, Omit<FoundDefinition, 'exportName' | 'file'>> {
  const found = new Map<string, Omit<FoundDefinition, 'exportName' | 'file'>>();
  const tests = DEFINITIONS.flatMap(({ kind, define, key }) => {
    const names = coreReferences(bindings, define);
    if (names.direct.size === 0 && names.namespaces.size === 0) return [];
    return [{ kind, key, test: coreCallTest(names, define) }];
  });
  if (tests.length === 0) return found;
  const read = (expression: ts.Expression, seen = new Set<string>()) => {
    // Through a const alias too: `const t = defineTask(…); export const u = t`.
    const node = unwrapExpression(expression);
    const binding = ts.isIdentifier(node) ? bindings.get(node.text) : undefined;
    if (binding?.kind === 'const' && binding.node.initializer && !seen.has(node.getText())) {
      seen.add(node.getText());
      return read(binding.node.initializer, seen);
    }
    const definition = tests.find(({ test }) => test(expression));
    if (!definition) return undefined;
    const call = unwrapExpression(expression) as ts.CallExpression;
    return { kind: definition.kind, name: literalStringOption(call, definition.key) };
  };
  const exported = exportedNames(source);
  const asDefault = defaultExportedNames(source);
  for (const [local, binding] of bindings) {
    if (binding.kind !== 'const' || !binding.node.initializer) continue;
    const exportNames = [exported.get(local), asDefault.has(local) ? 'default' : undefined];
    if (!exportNames.some(Boolean)) continue;
    const definition = read(binding.node.initializer);
    for (const exportName of exportNames) {
      if (definition && exportName) found.set(exportName, definition);
    }
  }
  for (const statement of source.statements) {
    if (!ts.isExportAssignment(statement) || statement.isExportEquals) continue;
    const definition = read(statement.expression);
    if (definition) found.set('default', definition);
  }
  return found;
}
