import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { Project, ts } from 'ts-morph';
import { NotPortableType, printType } from './analyze/result-type.js';
import { schemaModuleProblems } from './analyze/schema-closure.js';
import {
  analyzeTaskFile,
  type TaskEntry,
  type TaskFileAnalysis,
  tokenText,
} from './analyze/task-file.js';
import type { ResolvedConfig } from './config.js';
import { compareText, type Diagnostic, sortDiagnostics } from './diagnostics.js';
import { emitClient, type ResolvedTask } from './emit/client.js';
import { emitRegistry } from './emit/registry.js';
import { checkFile, type FileStatus, writeIfChanged } from './write.js';

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
  /** Output files relative to the config, with what happened to each. */
  readonly files: readonly { readonly path: string; readonly status: FileStatus }[];
  readonly diagnostics: readonly Diagnostic[];
  /** Set when a newer run started before this one wrote anything (watch mode). */
  readonly superseded?: boolean;
}

export interface RunOptions {
  /** Compare with the files on disk instead of writing. */
  readonly check?: boolean;
  /** Asked just before writing; return false to drop this run (a newer one is due). */
  readonly isCurrent?: () => boolean;
  /** Told about slow steps (type-checking to infer result types), for progress output. */
  readonly onProgress?: (message: string) => void;
}

/** A generator holds one ts-morph Project and per-file results between runs. */
export interface Generator {
  readonly config: ResolvedConfig;
  run(options?: RunOptions): Promise<GenerateResult>;
  /** Forget result types: a file they may depend on (not a task file) changed. */
  invalidateTypes(): void;
  /** True for a file the last run read as a task file. */
  isTaskFile(file: string): boolean;
}

interface FileState {
  text: string;
  analysis: TaskFileAnalysis;
  /** exportName → result type text or the reason it could not be written. */
  resultTypes: Map<string, string | NotPortableType> | undefined;
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
  const project = new Project({
    ...(config.tsconfig
      ? { tsConfigFilePath: config.tsconfig, skipAddingFilesFromTsConfig: true }
      : {
          compilerOptions: {
            target: ts.ScriptTarget.ES2022,
            module: ts.ModuleKind.ESNext,
            moduleResolution: ts.ModuleResolutionKind.Bundler,
            strict: true,
            skipLibCheck: true,
          },
        }),
    skipFileDependencyResolution: true,
  });
  const files = new Map<string, FileState>();
  const schemaModules = new Map<string, { text: string; tokens: string; problems: Diagnostic[] }>();
  let dependenciesChanged = false;
  const relative = (file: string) => path.relative(config.root, file).split(path.sep).join('/');

  const syncTaskFiles = async (): Promise<string[]> => {
    const found = await glob([...config.tasks], {
      cwd: config.root,
      absolute: true,
      ignore: ['**/node_modules/**', relative(config.client), relative(config.registry)],
    });
    const paths = found.map((file) => path.normalize(file)).sort(compareText);
    const wanted = new Set(paths);
    for (const file of files.keys()) {
      if (wanted.has(file)) continue;
      files.delete(file);
      const stale = project.getSourceFile(file);
      if (stale) project.removeSourceFile(stale);
    }
    const texts = await Promise.all(paths.map((file) => readFile(file, 'utf8')));
    const changed: string[] = [];
    paths.forEach((file, index) => {
      const text = texts[index] ?? '';
      if (files.get(file)?.text === text) return;
      // The AST pass needs no Project: a bare parse is several times cheaper than a
      // ts-morph source file. Files join the Project only when a result type is inferred.
      const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
      files.set(file, {
        text,
        analysis: analyzeTaskFile(source, file, relative(file)),
        resultTypes: undefined,
      });
      changed.push(file);
    });
    if (changed.length > 0) {
      // A task file may import types from another one (imports were resolved by analysis).
      const touched = new Set(changed);
      for (const state of files.values()) {
        if (state.analysis.localImports.some((file) => touched.has(file))) {
          state.resultTypes = undefined;
        }
      }
    }
    return paths;
  };

  const schemaModule = async (file: string) => {
    const text = await readFile(file, 'utf8');
    const cached = schemaModules.get(file);
    if (cached?.text === text) return cached;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const problems = schemaModuleProblems(source, file).map((problem) => ({
      ...problem,
      file: relative(file),
    }));
    const entry = { text, tokens: tokenText(text), problems };
    schemaModules.set(file, entry);
    return entry;
  };

  /** Puts a task file's current text in the Project; any change rebuilds the program. */
  const syncProjectFile = (file: string, text: string) => {
    const source = project.getSourceFile(file);
    if (source && source.getFullText() === text) return source;
    return project.createSourceFile(file, text, { overwrite: true });
  };

  const resultTypeOf = (task: TaskEntry, state: FileState): string | NotPortableType => {
    if (!state.resultTypes) state.resultTypes = new Map();
    const cached = state.resultTypes.get(task.exportName);
    if (cached !== undefined) return cached;
    let outcome: string | NotPortableType;
    if (dependenciesChanged) {
      dependenciesChanged = false;
      // Files the program pulled in (types imported by tasks) are cached by ts-morph.
      // (Files loaded as dependencies are not "in" the Project, so list the program's.)
      for (const loaded of project.getProgram().compilerObject.getSourceFiles()) {
        const file = loaded.fileName;
        if (files.has(path.normalize(file)) || file.includes('/node_modules/')) continue;
        project.getSourceFile(file)?.refreshFromFileSystemSync();
      }
    }
    try {
      const source = syncProjectFile(task.file, state.text);
      const checker = project.getTypeChecker().compilerObject;
      const declaration = source.getVariableDeclarationOrThrow(task.localName).compilerNode;
      const type = checker.getTypeAtLocation(declaration.name) as ts.TypeReference;
      const result = checker.getTypeArguments(type)[2];
      if (!result) throw new NotPortableType('its type is not a TaskDefinition');
      outcome = printType(result, checker);
    } catch (error) {
      if (!(error instanceof NotPortableType)) throw error;
      outcome = error;
    }
    state.resultTypes.set(task.exportName, outcome);
    return outcome;
  };

  return {
    config,
    isTaskFile: (file) => files.has(path.normalize(file)),
    invalidateTypes() {
      for (const state of files.values()) state.resultTypes = undefined;
      dependenciesChanged = true;
    },
    async run(options = {}) {
      const paths = await syncTaskFiles();
      const diagnostics: Diagnostic[] = [];
      const entries: { task: TaskEntry; state: FileState }[] = [];
      for (const file of paths) {
        const state = files.get(file);
        if (!state) continue;
        diagnostics.push(...state.analysis.diagnostics);
        for (const task of state.analysis.tasks) entries.push({ task, state });
      }
      diagnostics.push(
        ...duplicates(
          entries.map((entry) => entry.task),
          relative,
        ),
      );

      const moduleFiles = new Set<string>();
      for (const { task } of entries) {
        const copies = [task.input, task.output, task.declaredResult];
        for (const item of copies.flatMap((copy) => copy?.imports ?? [])) {
          if (item.isFile) moduleFiles.add(item.from);
        }
      }
      const modules = new Map<string, Awaited<ReturnType<typeof schemaModule>>>();
      for (const file of [...moduleFiles].sort(compareText)) {
        const entry = await schemaModule(file);
        modules.set(file, entry);
        diagnostics.push(...entry.problems);
      }

      const resolved: ResolvedTask[] = [];
      if (diagnostics.length === 0) {
        // Add every file that needs inference before the first checker query, so that the
        // program is built once per run, not once per file.
        let inferring = 0;
        for (const { task, state } of entries) {
          if (!task.output && !task.declaredResult && !state.resultTypes?.has(task.exportName)) {
            syncProjectFile(task.file, state.text);
            inferring++;
          }
        }
        if (inferring > 0) {
          options.onProgress?.(
            `Inferring the result type of ${inferring} task(s) with the type checker (declare an output schema to skip this)…`,
          );
        }
        for (const { task, state } of entries) {
          let resultType: string | undefined;
          if (!task.output && !task.declaredResult) {
            const outcome = resultTypeOf(task, state);
            if (outcome instanceof NotPortableType) {
              diagnostics.push({
                code: 'RESULT_TYPE_NOT_PORTABLE',
                file: relative(task.file),
                line: task.line,
                column: task.column,
                message: `the result type of task ${JSON.stringify(task.name)} (what run returns) cannot be written into the generated client: ${outcome.message}.`,
                fix: 'Declare the result with an output schema, e.g. `output: z.object({ sent: z.boolean() })`.',
              });
              continue;
            }
            resultType = outcome;
          }
          const moduleTokens = task.input.imports
            .filter((item) => item.isFile)
            .map((item) => modules.get(item.from)?.tokens ?? '')
            .sort(compareText);
          resolved.push({
            ...task,
            relativeFile: relative(task.file),
            resultType,
            fingerprint: fingerprint([task.input.tokens, ...moduleTokens]),
          });
        }
      }
      const tasks = resolved
        .sort((a, b) => compareText(a.name, b.name))
        .map(({ name, exportName, relativeFile, fingerprint: print }) => ({
          name,
          exportName,
          file: relativeFile,
          fingerprint: print,
        }));
      if (diagnostics.length > 0) {
        return { ok: false, tasks, files: [], diagnostics: sortDiagnostics(diagnostics) };
      }

      const header = (what: string) =>
        [
          `// Generated by @conveyor/codegen: ${what}`,
          `// Do not edit. Regenerate with \`${regenerateCommand(config)}\`; CI runs it with --check.`,
        ].join('\n');
      const outputs = [
        {
          file: config.client,
          text: emitClient(resolved, {
            outFile: config.client,
            importExtension: config.importExtension,
            header: header('the producer client. It imports no task implementation.'),
          }),
        },
        {
          file: config.registry,
          text: emitRegistry(resolved, {
            outFile: config.registry,
            importExtension: config.importExtension,
            header: header('the worker registry of every task.'),
          }),
        },
      ];
      if (options.isCurrent && !options.isCurrent()) {
        return { ok: true, tasks, files: [], diagnostics: [], superseded: true };
      }
      const written = await Promise.all(
        outputs.map(async ({ file, text }) => ({
          path: relative(file),
          status: options.check ? await checkFile(file, text) : await writeIfChanged(file, text),
        })),
      );
      return {
        ok: written.every((file) => file.status !== 'stale'),
        tasks,
        files: written,
        diagnostics: [],
      };
    },
  };
}

/** The command written into headers: `--config` only when the file has a non-default name. */
function regenerateCommand(config: ResolvedConfig): string {
  const name = config.configFile ? path.basename(config.configFile) : undefined;
  return name === undefined || name === 'conveyor.config.ts'
    ? 'conveyor generate'
    : `conveyor generate --config ${name}`;
}

/** First 16 hex digits of SHA-256 over the schema's tokens; stable across formatting. */
function fingerprint(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\n\0')).digest('hex').slice(0, 16);
}

function duplicates(tasks: readonly TaskEntry[], relative: (file: string) => string): Diagnostic[] {
  const found: Diagnostic[] = [];
  const check = (key: (task: TaskEntry) => string, code: Diagnostic['code'], what: string) => {
    const groups = new Map<string, TaskEntry[]>();
    for (const task of tasks) groups.set(key(task), [...(groups.get(key(task)) ?? []), task]);
    for (const [value, group] of groups) {
      if (group.length < 2) continue;
      const places = group.map((task) => `${relative(task.file)}:${task.line}`).join(', ');
      for (const task of group) {
        found.push({
          code,
          file: relative(task.file),
          line: task.line,
          column: task.column,
          message: `${what} ${JSON.stringify(value)} is defined ${group.length} times (${places}).`,
          fix:
            code === 'DUPLICATE_TASK_NAME'
              ? 'Give each task a unique name; jobs are routed to the task by name.'
              : 'Rename one export; the generated client exports one stub per export name.',
        });
      }
    }
  };
  check((task) => task.name, 'DUPLICATE_TASK_NAME', 'task name');
  check((task) => task.exportName, 'DUPLICATE_EXPORT_NAME', 'export name');
  return found;
}
