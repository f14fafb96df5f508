import { ts } from 'ts-morph';
import { compareText } from '../diagnostics.js';
import {
  literalStringOption,
  positionOf,
  type TopLevelBinding,
  unwrapExpression,
} from './scope.js';

/** One `export const x = defineSchedule({...})` in a task file: what the registry imports. */
export interface ScheduleEntry {
  readonly exportName: string;
  /** The schedule id when written as a string literal (for sorting and reports). */
  readonly id: string | undefined;
  /** Absolute path of the task file. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One schedule the registry exports, as a generation reports it. */
export interface GeneratedSchedule {
  /** The schedule id, when written as a string literal. */
  readonly id: string | undefined;
  readonly exportName: string;
  /** Task file relative to the config, `/`-separated. */
  readonly file: string;
}

/** The registry's order: by id (else export name), then file, then export name. */
export function sortSchedules(
  entries: readonly ScheduleEntry[],
  relative: (file: string) => string,
): ScheduleEntry[] {
  const key = (entry: ScheduleEntry) => entry.id ?? entry.exportName;
  return [...entries].sort(
    (a, b) =>
      compareText(key(a), key(b)) ||
      compareText(relative(a.file), relative(b.file)) ||
      compareText(a.exportName, b.exportName),
  );
}

/** The schedules as `generate` reports them, files relative to the config. */
export function generatedSchedules(
  entries: readonly ScheduleEntry[],
  relative: (file: string) => string,
): GeneratedSchedule[] {
  return entries.map((entry) => ({
    id: entry.id,
    exportName: entry.exportName,
    file: relative(entry.file),
  }));
}

/** The schedules in the registry's order, and as `generate` reports them. */
export function registrySchedules(
  entries: readonly ScheduleEntry[],
  relative: (file: string) => string,
): { schedules: ScheduleEntry[]; reported: GeneratedSchedule[] } {
  const schedules = sortSchedules(entries, relative);
  return { schedules, reported: generatedSchedules(schedules, relative) };
}

/** The registry file's header line. */
export function registryDescription(scheduleCount: number, workflowCount = 0): string {
  const kinds = ['task'];
  if (scheduleCount > 0) kinds.push('schedule');
  if (workflowCount > 0) kinds.push('workflow');
  const last = kinds.pop();
  return `the worker registry of every ${kinds.length > 0 ? `${kinds.join(', ')} and ${last}` : last}.`;
}

/** A `defineSchedule` call that the registry cannot import: where, and under which local name. */
export interface UnexportedSchedule {
  readonly node: ts.Node;
  /**
   * The const's name; undefined for `export default defineSchedule(…)`. A const may still be
   * exported as the default (`export default s`), which the caller tells apart.
   */
  readonly localName: string | undefined;
}

/**
 * The `defineSchedule` calls of a task file (AST only), exported by name or not. The
 * schedule's options are left to `defineSchedule` itself, which checks them when the
 * registry is imported: codegen only needs to know what to import.
 */
export function findSchedules(
  source: ts.SourceFile,
  file: string,
  bindings: ReadonlyMap<string, TopLevelBinding>,
  exported: ReadonlyMap<string, string>,
): { schedules: ScheduleEntry[]; unexported: UnexportedSchedule[] } {
  const names = coreReferences(bindings, 'defineSchedule');
  const schedules: ScheduleEntry[] = [];
  const unexported: UnexportedSchedule[] = [];
  if (names.direct.size === 0 && names.namespaces.size === 0) return { schedules, unexported };
  const isDefineSchedule = coreCallTest(names, 'defineSchedule');
  for (const statement of source.statements) {
    if (ts.isExportAssignment(statement) && isDefineSchedule(statement.expression)) {
      unexported.push({ node: statement, localName: undefined });
      continue;
    }
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!declaration.initializer || !isDefineSchedule(declaration.initializer)) continue;
      if (!ts.isIdentifier(declaration.name)) continue;
      const local = declaration.name.text;
      const exportName = exported.get(local);
      if (!exportName) {
        unexported.push({ node: declaration, localName: local });
        continue;
      }
      const call = unwrapExpression(declaration.initializer) as ts.CallExpression;
      schedules.push({
        exportName,
        id: literalStringOption(call, 'id'),
        file,
        ...positionOf(call),
      });
    }
  }
  return { schedules, unexported };
}

/** Local names bound to one of core's functions, directly or through a namespace import. */
export function coreReferences(
  bindings: ReadonlyMap<string, TopLevelBinding>,
  name: string,
): { direct: Set<string>; namespaces: Set<string> } {
  const direct = new Set<string>();
  const namespaces = new Set<string>();
  for (const [local, binding] of bindings) {
    if (binding.kind !== 'import' || !/^@conveyor\/core(\/.*)?$/.test(binding.specifier)) continue;
    if (binding.imported === name) direct.add(local);
    if (binding.imported === '*') namespaces.add(local);
  }
  return { direct, namespaces };
}

/**
 * True for a call of core's `name` through the names {@link coreReferences} found:
 * `defineTask(…)` or `core.defineTask(…)`, in parentheses or under `as` too.
 */
export function coreCallTest(
  names: { readonly direct: ReadonlySet<string>; readonly namespaces: ReadonlySet<string> },
  name: string,
): (node: ts.Expression) => boolean {
  return (node) => {
    const call = unwrapExpression(node);
    if (!ts.isCallExpression(call)) return false;
    const callee = call.expression;
    if (ts.isIdentifier(callee)) return names.direct.has(callee.text);
    return (
      ts.isPropertyAccessExpression(callee) &&
      ts.isIdentifier(callee.expression) &&
      names.namespaces.has(callee.expression.text) &&
      callee.name.text === name
    );
  };
}
