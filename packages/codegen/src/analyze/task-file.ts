import { ts } from 'ts-morph';
import type { Diagnostic } from '../diagnostics.js';
import type { CopiedSchema, Report } from './copy.js';
import {
  defaultExportedNames,
  defaultExportProblem,
  localExportSpecifiers,
} from './default-export.js';
import { nestedTaskCalls } from './nested-tasks.js';
import { isTypeScriptFile, notTypeScript } from './not-typescript.js';
import { readTask } from './read-task.js';
import { type ReexportSite, reexportSites } from './reexport-sites.js';
import {
  coreCallTest,
  coreReferences,
  findSchedules,
  type ScheduleEntry,
} from './schedule-file.js';
import type { SchemaScope } from './schema-closure.js';
import { type ModuleResolver, resolveRelative } from './schema-module.js';
import { literalStringOption, positionOf, topLevelBindings, unwrapExpression } from './scope.js';
import type { StaticValue } from './static-value.js';
import { findWorkflows, type WorkflowEntry, type WorkflowIdentity } from './workflow-file.js';

/** One `export const x = defineTask({...})`, as the emitters need it. */
export interface TaskEntry {
  readonly exportName: string;
  /** The name the task file declares it under (differs with `export { a as b }`). */
  readonly localName: string;
  /** The task name, e.g. `shop.sendOrderConfirmation`. */
  readonly name: string;
  /** Absolute path of the task file. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Where the type checker's findings point: the schema expressions and `run`. */
  readonly at: {
    readonly input: Position;
    readonly output: Position | undefined;
    readonly run: Position | undefined;
  };
  readonly input: CopiedSchema;
  readonly output: CopiedSchema | undefined;
  /**
   * `run`'s declared return type, copied like a schema (AST only). Undefined when there is
   * an output schema, or when `run` has no annotation that can be copied: then the type
   * checker infers it.
   */
  readonly declaredResult: CopiedSchema | undefined;
  /**
   * `queue: 'emails'` etc., already printed; `queue: { name, partitions, partitionBy }` as
   * the contract's `queue`, `partitions` and `partitionBy`.
   */
  readonly options: readonly (readonly [string, string])[];
  /** The same options as values, for a workflow's plan (queue, partitions, priority, retry attempts). */
  readonly optionValues: Readonly<Record<string, StaticValue>>;
}

/** 1-based line and column. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/**
 * The name and export name of a `defineTask` call, read even when the task has other
 * problems, so that duplicates are reported together with them.
 */
export interface TaskIdentity extends Position {
  /** Undefined when the name is not a string literal. */
  readonly name: string | undefined;
  /** Undefined when the task is not exported by name. */
  readonly exportName: string | undefined;
  /** Absolute path of the task file. */
  readonly file: string;
}

/** What one task file yields: its tasks and problems, with `file` relative to the root. */
export interface TaskFileAnalysis {
  readonly tasks: readonly TaskEntry[];
  /** The schedules it exports (`defineSchedule`), for the worker registry. */
  readonly schedules: readonly ScheduleEntry[];
  /** The workflows it exports (`defineWorkflow`), their tasks not yet resolved. */
  readonly workflows: readonly WorkflowEntry[];
  /** Every workflow call found, including those with problems (for duplicate checks). */
  readonly workflowIdentities: readonly WorkflowIdentity[];
  /** Every task call found, including those with problems (for duplicate checks). */
  readonly identities: readonly TaskIdentity[];
  /** Files this one imports by relative path (resolved), to know whose types may change. */
  readonly localImports: readonly string[];
  /** What it exports from other modules, checked for tasks defined outside `tasks`. */
  readonly reexports: readonly ReexportSite[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Finds `defineTask` calls in a task file from its AST alone (no type checker).
 *
 * @param relative the file's path relative to the config, used in diagnostics
 */
export function analyzeTaskFile(
  source: ts.SourceFile,
  file: string,
  relative: string,
  resolver: ModuleResolver,
): TaskFileAnalysis {
  if (!isTypeScriptFile(file)) return notTypeScript(relative);
  const bindings = topLevelBindings(source);
  const scope: SchemaScope = { file, bindings, resolver };
  const defineTaskNames = coreReferences(bindings, 'defineTask');
  const exported = exportedNames(source);
  const defaultExported = defaultExportedNames(source);
  const tasks: TaskEntry[] = [];
  const identities: TaskIdentity[] = [];
  const diagnostics: Diagnostic[] = [];
  const identify = (call: ts.CallExpression, exportName: string | undefined) =>
    identities.push({
      name: literalStringOption(call, 'name'),
      exportName,
      file,
      ...positionOf(call),
    });
  const report: Report = (at, code, message, fix) =>
    diagnostics.push({
      code,
      file: relative,
      ...('kind' in at ? positionOf(at) : at),
      message,
      fix,
    });

  // A file that does not parse: what the AST below finds of it may be wrong or missing, and
  // --check would pass over a task file that cannot run.
  const syntaxProblems = parseProblems(source);
  for (const problem of syntaxProblems) {
    const at = source.getLineAndCharacterOfPosition(problem.start ?? 0);
    report(
      { line: at.line + 1, column: at.character + 1 },
      'TASK_FILE_SYNTAX',
      `the file does not parse: ${ts.flattenDiagnosticMessageText(problem.messageText, ' ')}`,
      'correct the syntax there; until it parses, its tasks cannot be read',
    );
  }

  const isDefineTaskCall = coreCallTest(defineTaskNames, 'defineTask');

  for (const statement of source.statements) {
    if (ts.isExportAssignment(statement) && isDefineTaskCall(statement.expression)) {
      identify(unwrapExpression(statement.expression) as ts.CallExpression, undefined);
      const { message, fix } = defaultExportProblem('task', 'sendWelcomeEmail');
      report(statement, 'TASK_NOT_EXPORTED', message, fix);
      continue;
    }
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!declaration.initializer || !isDefineTaskCall(declaration.initializer)) continue;
      if (!ts.isIdentifier(declaration.name)) continue;
      const local = declaration.name.text;
      const exportName = exported.get(local);
      const call = unwrapExpression(declaration.initializer) as ts.CallExpression;
      if (!exportName && defaultExported.has(local)) {
        identify(call, undefined);
        const { message, fix } = defaultExportProblem('task', local);
        report(declaration, 'TASK_NOT_EXPORTED', message, fix);
        continue;
      }
      if (!exportName) {
        identify(call, undefined);
        report(
          declaration,
          'TASK_NOT_EXPORTED',
          `task ${JSON.stringify(local)} is not exported, so the worker registry cannot import it.`,
          `Write \`export const ${local} = defineTask({ … })\`.`,
        );
        continue;
      }
      identify(call, exportName);
      const entry = readTask(call, local, exportName, scope, report);
      if (entry) tasks.push(entry);
    }
  }
  for (const { call, message, fix } of nestedTaskCalls(source, isDefineTaskCall)) {
    identify(call, undefined);
    report(call, 'TASK_NOT_EXPORTED', message, fix);
  }
  const { schedules, unexported } = findSchedules(source, file, bindings, exported);
  for (const { node, localName } of unexported) {
    // `export default defineSchedule(…)`, or a const exported as the default.
    const asDefault = localName === undefined || defaultExported.has(localName);
    report(
      node,
      'SCHEDULE_NOT_EXPORTED',
      asDefault
        ? 'a schedule is the default export; the worker registry imports each schedule by name.'
        : `schedule ${JSON.stringify(localName)} is not exported, so the worker registry cannot import it and no worker runs it.`,
      `Export it by name: \`export const ${localName ?? 'dailyReport'} = defineSchedule({ … })\`.`,
    );
  }
  const found = findWorkflows(source, scope, { exported, defaultExported }, report);
  const localImports = new Set<string>();
  for (const binding of bindings.values()) {
    if (binding.kind !== 'import' || !binding.specifier.startsWith('.')) continue;
    const target = resolveRelative(file, binding.specifier);
    if (target) localImports.add(target);
  }
  return {
    tasks,
    schedules,
    workflows: found.workflows,
    workflowIdentities: found.identities,
    identities,
    // Of a file that does not parse, only where it stops: `defineTask({{` also read as a task
    // whose name is missing, sending its author after a name that was there.
    diagnostics:
      syntaxProblems.length > 0
        ? diagnostics.filter((diagnostic) => diagnostic.code === 'TASK_FILE_SYNTAX')
        : diagnostics,
    localImports: [...localImports],
    reexports: reexportSites(source, bindings),
  };
}

/** local name → exported name, for `export const` and `export { a as b }`. */
export function exportedNames(source: ts.SourceFile): Map<string, string> {
  const names = new Map<string, string>();
  for (const statement of source.statements) {
    if (
      ts.isVariableStatement(statement) &&
      statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)
    ) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) {
          names.set(declaration.name.text, declaration.name.text);
        }
      }
    }
    for (const element of localExportSpecifiers(statement)) {
      const local = (element.propertyName ?? element.name).text;
      if (element.name.text !== 'default' && !names.has(local)) names.set(local, element.name.text);
    }
  }
  return names;
}

/**
 * The syntax errors the parser recorded on `source`. `parseDiagnostics` is what
 * `Program.getSyntacticDiagnostics` returns for a file, read without building a Program.
 */
export function parseProblems(source: ts.SourceFile): readonly ts.Diagnostic[] {
  return (
    (source as ts.SourceFile & { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics ??
    []
  );
}
