/**
 * Every stable diagnostic code codegen reports about task files (tasks, schedules,
 * workflows), and `NO_TASK_FILES`, reported at the config's `tasks` when its globs match no
 * file.
 */
export type DiagnosticCode =
  | 'NO_TASK_FILES'
  | 'TASK_FILE_SYNTAX'
  | 'TASK_FILE_NOT_TYPESCRIPT'
  | 'DUPLICATE_TASK_NAME'
  | 'DUPLICATE_EXPORT_NAME'
  | 'RESERVED_EXPORT_NAME'
  | 'TASK_NAME_NOT_LITERAL'
  | 'INVALID_TASK_NAME'
  | 'MISSING_INPUT_SCHEMA'
  | 'MISSING_RUN'
  | 'SCHEMA_NOT_STATIC'
  | 'IMPLEMENTATION_IMPORT'
  | 'SCHEMA_IMPORT_NOT_FOLLOWED'
  | 'OPTION_NOT_STATIC'
  | 'INVALID_QUEUE_OPTION'
  | 'INVALID_TASK_OPTION'
  | 'TASK_NOT_EXPORTED'
  | 'TASK_OUTSIDE_TASK_FILES'
  | 'SCHEDULE_NOT_EXPORTED'
  | 'RESULT_TYPE_NOT_PORTABLE'
  | 'NOT_JSON_INPUT'
  | 'NOT_JSON_RESULT'
  | 'DUPLICATE_WORKFLOW_NAME'
  | 'INVALID_WORKFLOW_NAME'
  | 'INVALID_STEP_NAME'
  | 'EMPTY_PARALLEL_GROUP'
  | 'WORKFLOW_NOT_EXPORTED'
  | 'WORKFLOW_NOT_STATIC'
  | 'WORKFLOW_TASK_UNKNOWN';

/** A problem in a task file, at `file:line:col`, with the change that fixes it. */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  /** Path relative to the config file's directory, with `/` separators. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly fix: string;
}

/** `src/tasks/a.ts:3:9 error SCHEMA_NOT_STATIC: … Fix: …` */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const { file, line, column, code, message, fix } = diagnostic;
  return `${file}:${line}:${column} error ${code}: ${message}\n  fix: ${fix}`;
}

/** Sorts by file, then position, then code, so reports are stable across runs. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      compareText(a.file, b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      compareText(a.code, b.code),
  );
}

/** Locale-independent comparison, so sorting is identical on every machine. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Stable codes of {@link CodegenError}. */
export type CodegenErrorCode =
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_STATIC'
  | 'CONFIG_LOAD_FAILED';

/** A problem that stops codegen before any task is read (config, file system). */
export class CodegenError extends Error {
  readonly code: CodegenErrorCode;

  constructor(code: CodegenErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CodegenError';
    this.code = code;
  }
}

/** Thrown by `generate()` when task files have diagnostics; nothing was written. */
export class CodegenDiagnosticsError extends Error {
  readonly code = 'TASK_DIAGNOSTICS' as const;
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    super(
      `Conveyor codegen found ${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'} in task files; nothing was written.\n${diagnostics.map(formatDiagnostic).join('\n')}`,
    );
    this.name = 'CodegenDiagnosticsError';
    this.diagnostics = diagnostics;
  }
}
