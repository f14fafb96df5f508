import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ts } from 'ts-morph';
import { type CopiedSchema, tokenText } from './analyze/copy.js';
import { duplicates } from './analyze/duplicates.js';
import { type JsonSyntax, schemaModuleJsonSyntax, UNKNOWN_JSON } from './analyze/json-syntax.js';
import { createReexportCheck } from './analyze/reexports.js';
import {
  type GeneratedSchedule,
  registryDescription,
  registrySchedules,
  type ScheduleEntry,
} from './analyze/schedule-file.js';
import { schemaModuleProblems } from './analyze/schema-module.js';
import {
  analyzeTaskFile,
  type TaskEntry,
  type TaskFileAnalysis,
  type TaskIdentity,
} from './analyze/task-file.js';
import {
  NO_TYPE_ISSUES,
  type TaskTypes,
  typeDiagnostics,
  typeQuestions,
} from './analyze/task-types.js';
import type { WorkflowEntry, WorkflowIdentity } from './analyze/workflow-file.js';
import {
  type GeneratedWorkflow,
  resolveWorkflows,
  type TaskLookup,
} from './analyze/workflow-plan.js';
import { CONFIG_FILE_NAMES, type ResolvedConfig } from './config.js';
import { compareText, type Diagnostic, sortDiagnostics } from './diagnostics.js';
import { emitClient, type ResolvedTask } from './emit/client.js';
import { emitRegistry } from './emit/registry.js';
import { createModuleResolver } from './module-resolver.js';
import { findTaskFiles, noTaskFiles, relativePath } from './task-files.js';
import { type CheckedFile, createTypeChecks } from './type-checks.js';
import { checkFile, type FileStatus, markChecked, writeIfChanged } from './write.js';

/** Say that the type checker is at work when it checks at least this many tasks (it takes a while). */
const PROGRESS_AFTER = 20;

/** One task as generated. */
export interface GeneratedTask {
  readonly name: string;
  readonly exportName: string;
  /** Task file relative to the config, `/`-separated. */
  readonly file: string;
  readonly fingerprint: string;
}

/** What a generation (or a `--check`) did. */
export interface GenerateResult {
  /** True when there were no diagnostics and (with check) nothing was stale. */
  readonly ok: boolean;
  readonly tasks: readonly GeneratedTask[];
  /** The schedules exported by the task files, in the registry's order. */
  readonly schedules: readonly GeneratedSchedule[];
  /** The workflows exported by the task files, sorted by name. */
  readonly workflows: readonly GeneratedWorkflow[];
  /** Output files relative to the config, with what happened to each. */
  readonly files: readonly { readonly path: string; readonly status: FileStatus }[];
  readonly diagnostics: readonly Diagnostic[];
  /**
   * What works but is likely a mistake. None at present: `tasks` globs that match no file,
   * once a warning, are the `NO_TASK_FILES` diagnostic.
   */
  readonly warnings: readonly string[];
  /** Set when a newer run started before this one wrote anything (watch mode). */
  readonly superseded?: boolean;
}

export interface RunOptions {
  /** Compare with the files on disk instead of writing. */
  readonly check?: boolean;
  /** Asked just before writing; return false to drop this run (a newer one is due). */
  readonly isCurrent?: () => boolean;
  /** Told about slow steps (the type checker), for progress output. */
  readonly onProgress?: (message: string) => void;
}

/** A generator holds one ts-morph Project and per-file results between runs. */
export interface Generator {
  readonly config: ResolvedConfig;
  run(options?: RunOptions): Promise<GenerateResult>;
  /** Forget what the type checker said: a file types may depend on (not a task file) changed. */
  invalidateTypes(): void;
  /** True for a file the last run read as a task file. */
  isTaskFile(file: string): boolean;
}

interface FileState {
  text: string;
  analysis: TaskFileAnalysis;
  /** exportName → what the type checker said about the task. */
  types: Map<string, TaskTypes> | undefined;
}

/**
 * Creates a reusable generator. A second `run()` re-reads every task file but parses and
 * analyses only the ones whose text changed; watch mode relies on this.
 *
 * @example
 * const generator = createGenerator(await loadConfig({ cwd: 'apps/shop' }));
 * const result = await generator.run();
 * if (!result.ok) console.error(result.diagnostics);
 */
export function createGenerator(config: ResolvedConfig): Generator {
  const resolver = createModuleResolver(config);
  const checks = createTypeChecks(config, resolver);
  const files = new Map<string, FileState>();
  const reexports = createReexportCheck(resolver, config.tasks);
  const isTaskFile = (file: string) => files.has(path.normalize(file));
  const schemaModules = new Map<
    string,
    { text: string; tokens: string; problems: Diagnostic[]; json: JsonSyntax }
  >();
  const relative = (file: string) => relativePath(config, file);

  const syncTaskFiles = async (): Promise<string[]> => {
    const paths = (await findTaskFiles(config)).sort(compareText);
    const wanted = new Set(paths);
    for (const file of files.keys()) {
      if (wanted.has(file)) continue;
      files.delete(file);
      checks.remove(file);
    }
    const texts = await Promise.all(paths.map((file) => readFile(file, 'utf8')));
    const changed: string[] = [];
    paths.forEach((file, index) => {
      const text = texts[index] ?? '';
      if (files.get(file)?.text === text) return;
      // The AST pass needs no Project: a bare parse is several times cheaper than a
      // ts-morph source file. The type checker comes after (type-checks.ts).
      const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
      files.set(file, {
        text,
        analysis: analyzeTaskFile(source, file, relative(file), resolver),
        types: undefined,
      });
      changed.push(file);
    });
    if (changed.length > 0) {
      // A task file may import types from another one (imports were resolved by analysis).
      const touched = new Set(changed);
      for (const state of files.values()) {
        if (state.analysis.localImports.some((file) => touched.has(file))) {
          state.types = undefined;
        }
      }
    }
    return paths;
  };

  const invalidateTypes = () => {
    for (const state of files.values()) state.types = undefined;
    checks.refreshDependencies();
  };

  const schemaModule = async (file: string) => {
    const text = await readFile(file, 'utf8');
    const cached = schemaModules.get(file);
    if (cached?.text === text) return cached;
    // Input types come from schema modules too: re-read them, and re-check every task.
    if (cached) invalidateTypes();
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const problems = schemaModuleProblems(source, file, resolver).map((problem) => ({
      ...problem,
      file: relative(file),
    }));
    const entry = { text, tokens: tokenText(text), problems, json: schemaModuleJsonSyntax(source) };
    schemaModules.set(file, entry);
    return entry;
  };

  return {
    config,
    isTaskFile,
    invalidateTypes,
    async run(options = {}) {
      const paths = await syncTaskFiles();
      if (paths.length === 0) {
        // A typo in the globs must not empty the generated files: refuse, as any problem does.
        const empty = { tasks: [], schedules: [], workflows: [], files: [], warnings: [] };
        return { ok: false, ...empty, diagnostics: [await noTaskFiles(config)] };
      }
      const diagnostics: Diagnostic[] = [];
      const entries: { task: TaskEntry; state: FileState }[] = [];
      const identities: TaskIdentity[] = [];
      const scheduleEntries: ScheduleEntry[] = [];
      const workflowEntries: WorkflowEntry[] = [];
      const workflowIdentities: WorkflowIdentity[] = [];
      for (const file of paths) {
        const state = files.get(file);
        if (!state) continue;
        diagnostics.push(...state.analysis.diagnostics);
        const { reexports: sites } = state.analysis;
        diagnostics.push(...(await reexports.problems(file, relative(file), sites, isTaskFile)));
        identities.push(...state.analysis.identities);
        for (const task of state.analysis.tasks) entries.push({ task, state });
        scheduleEntries.push(...state.analysis.schedules);
        workflowEntries.push(...state.analysis.workflows);
        workflowIdentities.push(...state.analysis.workflowIdentities);
      }
      const warnings: string[] = [];
      const { schedules, reported } = registrySchedules(scheduleEntries, relative);
      // Every task call counts, also one with other problems: all come out in one report.
      diagnostics.push(...duplicates(identities, workflowIdentities, relative));

      const moduleFiles = new Set<string>();
      const copied = [
        ...entries.flatMap(({ task }) => [task.input, task.output, task.declaredResult]),
        ...workflowEntries.map((workflow) => workflow.input),
      ];
      for (const item of copied.flatMap((copy) => copy?.imports ?? [])) {
        if (item.isFile) moduleFiles.add(item.from);
      }
      const modules = new Map<string, Awaited<ReturnType<typeof schemaModule>>>();
      for (const file of [...moduleFiles].sort(compareText)) {
        const entry = await schemaModule(file);
        modules.set(file, entry);
        diagnostics.push(...entry.problems);
      }

      // Ask the type checker only what the AST could not settle, and put every file it
      // needs in its programs before the first query, so that each is built once per run.
      const moduleJson = (file: string) => modules.get(file)?.json ?? UNKNOWN_JSON;
      const pending = new Map<FileState, CheckedFile & { tasks: CheckedFile['tasks'][number][] }>();
      for (const { task, state } of entries) {
        if (state.types?.has(task.exportName)) continue;
        state.types ??= new Map();
        const questions = typeQuestions(task, moduleJson);
        if (!questions.input && !questions.result) {
          state.types.set(task.exportName, NO_TYPE_ISSUES);
          continue;
        }
        const file = pending.get(state) ?? { file: task.file, text: state.text, tasks: [] };
        file.tasks.push({ task, questions });
        pending.set(state, file);
      }
      checks.prepare([...pending.values()]);
      const asked = [...pending.values()].reduce((sum, file) => sum + file.tasks.length, 0);
      if (asked >= PROGRESS_AFTER) {
        options.onProgress?.(
          `Type-checking ${asked} tasks (the JSON boundary of schemas and results, and result types)…`,
        );
      }
      for (const [state, file] of pending) {
        for (const { task, questions } of file.tasks) {
          state.types?.set(task.exportName, checks.read(file, task, questions));
        }
      }
      // A schema's fingerprint covers the `*.schema.ts` modules it imports.
      const schemaFingerprint = (copy: CopiedSchema) =>
        fingerprint([
          copy.tokens,
          ...copy.imports
            .filter((item) => item.isFile)
            .map((item) => modules.get(item.from)?.tokens ?? '')
            .sort(compareText),
        ]);
      const resolved: ResolvedTask[] = [];
      for (const { task, state } of entries) {
        const types = state.types?.get(task.exportName) ?? NO_TYPE_ISSUES;
        const found = typeDiagnostics(task, types, relative(task.file));
        diagnostics.push(...found);
        if (found.length > 0) continue;
        resolved.push({
          ...task,
          relativeFile: relative(task.file),
          resultType: typeof types.resultType === 'string' ? types.resultType : undefined,
          fingerprint: schemaFingerprint(task.input),
        });
      }
      const lookup: TaskLookup = (ref) => {
        const state = files.get(path.normalize(ref.file));
        if (!state) return 'not-a-task-file';
        const { tasks: defined, diagnostics: problems } = state.analysis;
        const task = defined.find((t) => (ref.local ? t.localName : t.exportName) === ref.name);
        return task ?? (problems.length > 0 ? 'has-problems' : undefined);
      };
      const { workflows, reportedWorkflows } = resolveWorkflows(workflowEntries, {
        lookup,
        relative,
        fingerprint: schemaFingerprint,
        diagnostics,
      });
      const tasks = resolved
        .sort((a, b) => compareText(a.name, b.name))
        .map(({ name, exportName, relativeFile, fingerprint: print }) => ({
          name,
          exportName,
          file: relativeFile,
          fingerprint: print,
        }));
      if (diagnostics.length > 0) {
        return {
          ok: false,
          tasks,
          schedules: reported,
          workflows: reportedWorkflows,
          files: [],
          diagnostics: sortDiagnostics(diagnostics),
          warnings,
        };
      }

      const header = (what: string) =>
        [
          `// Generated by @conveyor/codegen: ${what}`,
          `// Do not edit. Regenerate with \`${regenerateCommand(config)}\`; CI runs it with --check.`,
        ].join('\n');
      const outputs = [
        {
          file: config.client,
          text: emitClient(resolved, workflows, {
            outFile: config.client,
            importExtension: config.importExtension,
            resolver,
            header: header('the producer client. It imports no task implementation.'),
          }),
        },
        {
          file: config.registry,
          text: emitRegistry(resolved, schedules, workflows, {
            outFile: config.registry,
            importExtension: config.importExtension,
            header: header(registryDescription(schedules.length, workflows.length)),
          }),
        },
      ];
      if (options.isCurrent && !options.isCurrent()) {
        return {
          ok: true,
          tasks,
          schedules: reported,
          workflows: reportedWorkflows,
          files: [],
          diagnostics: [],
          warnings,
          superseded: true,
        };
      }
      const written = await Promise.all(
        outputs.map(async ({ file, text }) => {
          const status = options.check
            ? await checkFile(file, text)
            : await writeIfChanged(file, text);
          // A registry found current, written or checked (--check, as CI runs it), is marked
          // checked: the worker's hint of a stale registry compares the task files with it.
          if ((status === 'unchanged' || status === 'fresh') && file === config.registry) {
            await markChecked(file);
          }
          return { path: relative(file), status };
        }),
      );
      return {
        ok: written.every((file) => file.status !== 'stale' && file.status !== 'missing'),
        tasks,
        schedules: reported,
        workflows: reportedWorkflows,
        files: written,
        diagnostics: [],
        warnings,
      };
    },
  };
}

/**
 * The command written into headers: `--config` only when the file has a name the command
 * does not look for by itself (`conveyor.config.mts` and the others of CONFIG_FILE_NAMES
 * are found without it).
 */
function regenerateCommand(config: ResolvedConfig): string {
  const name = config.configFile ? path.basename(config.configFile) : undefined;
  return name === undefined || (CONFIG_FILE_NAMES as readonly string[]).includes(name)
    ? 'conveyor generate'
    : `conveyor generate --config ${name}`;
}

/** First 16 hex digits of SHA-256 over the schema's tokens; stable across formatting. */
function fingerprint(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\n\0')).digest('hex').slice(0, 16);
}
