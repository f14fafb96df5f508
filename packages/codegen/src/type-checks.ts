import { createHash } from 'node:crypto';
import path from 'node:path';
import { Project, type ProjectOptions, type SourceFile } from 'ts-morph';
import type { ModuleResolver } from './analyze/schema-module.js';
import type { TaskEntry } from './analyze/task-file.js';
import {
  readRunTypes,
  readSchemaTypes,
  type TaskTypes,
  type TypeQuestions,
} from './analyze/task-types.js';
import type { ResolvedConfig } from './config.js';
import { emitProbe } from './emit/probe.js';
import { DEFAULT_COMPILER_OPTIONS } from './module-resolver.js';

/** A task file as the type checker needs it. */
export interface CheckedFile {
  /** Absolute path. */
  readonly file: string;
  readonly text: string;
  /** Its tasks that have questions for the type checker. */
  readonly tasks: readonly { readonly task: TaskEntry; readonly questions: TypeQuestions }[];
}

/** The type checker's view of task files, kept between runs (watch mode). */
export interface TypeChecks {
  /** Puts these files in the programs before the first query, so each is built once per run. */
  prepare(files: readonly CheckedFile[]): void;
  /** What the type checker says about one task of a prepared file. */
  read(file: CheckedFile, task: TaskEntry, questions: TypeQuestions): TaskTypes;
  /** Forgets a task file that is gone. */
  remove(file: string): void;
  /** Files the programs loaded from disk changed: read them again before the next query. */
  refreshDependencies(): void;
}

const PROBE_PREFIX = '.conveyor-probe-';

/**
 * Two ts-morph Projects. Probes (see `emitProbe`) hold each task file's copied schemas and
 * import only zod and `*.schema.ts` modules, so checking the JSON boundary of schemas costs
 * little. Task files themselves, with everything their implementation imports, join the
 * other program only when `run`'s return type must be inferred.
 */
export function createTypeChecks(config: ResolvedConfig, resolver: ModuleResolver): TypeChecks {
  const options: ProjectOptions = {
    ...(config.tsconfig
      ? { tsConfigFilePath: config.tsconfig, skipAddingFilesFromTsConfig: true }
      : { compilerOptions: DEFAULT_COMPILER_OPTIONS }),
    skipFileDependencyResolution: true,
  };
  const tasks = new Project(options);
  // Schemas need zod and the lib, not ambient types such as @types/node (a fifth of a
  // second or more to load); a global they use without it becomes `any`, which passes.
  const probes = new Project({
    ...options,
    compilerOptions: { ...options.compilerOptions, types: [] },
  });
  let stale = false;

  // Beside the generated client, so that the probe's imports are the client's.
  const probePath = (file: string) =>
    path.join(
      path.dirname(config.client),
      `${PROBE_PREFIX}${createHash('sha256').update(file).digest('hex').slice(0, 12)}.ts`,
    );

  /** Puts a file's current text in a Project; any change rebuilds its program. */
  const sync = (project: Project, file: string, text: string): SourceFile => {
    const source = project.getSourceFile(file);
    if (source && source.getFullText() === text) return source;
    return project.createSourceFile(file, text, { overwrite: true });
  };

  /** ts-morph caches files a program pulled in (types imported by tasks, schema modules). */
  const refresh = (project: Project, inMemory: (file: string) => boolean) => {
    // Files loaded as dependencies are not "in" the Project, so list the program's.
    for (const loaded of project.getProgram().compilerObject.getSourceFiles()) {
      const file = loaded.fileName;
      if (inMemory(file) || file.includes('/node_modules/')) continue;
      project.getSourceFile(file)?.refreshFromFileSystemSync();
    }
  };
  const synced = new Set<string>();

  return {
    prepare(files) {
      if (stale) {
        stale = false;
        refresh(tasks, (file) => synced.has(path.normalize(file)));
        refresh(probes, (file) => path.basename(file).startsWith(PROBE_PREFIX));
      }
      for (const item of files) {
        const probed = item.tasks.filter(
          ({ questions }) => questions.input || questions.result === 'probe',
        );
        if (probed.length > 0) {
          const outFile = probePath(item.file);
          const probe = emitProbe(
            probed.map(({ task }) => task),
            { outFile, importExtension: config.importExtension, resolver },
          );
          sync(probes, outFile, probe);
        }
        // Also a changed task file another one imports (the program holds an old copy).
        const inferred = item.tasks.some(({ questions }) => questions.result === 'run');
        if (inferred || tasks.getSourceFile(item.file)) {
          sync(tasks, item.file, item.text);
          synced.add(item.file);
        }
      }
    },
    read(item, task, questions) {
      let schemas: Pick<TaskTypes, 'input' | 'result'> = { input: undefined, result: undefined };
      if (questions.input || questions.result === 'probe') {
        const probe = probes.getSourceFileOrThrow(probePath(item.file)).compilerNode;
        const checker = probes.getTypeChecker().compilerObject;
        schemas = readSchemaTypes(probe, task, checker, questions);
      }
      if (questions.result !== 'run') return { ...schemas, resultType: undefined };
      const source = sync(tasks, item.file, item.text).compilerNode;
      const run = readRunTypes(source, task, tasks.getTypeChecker().compilerObject);
      return { input: schemas.input, ...run };
    },
    remove(file) {
      synced.delete(file);
      for (const [project, name] of [
        [tasks, file],
        [probes, probePath(file)],
      ] as const) {
        const source = project.getSourceFile(name);
        if (source) project.removeSourceFile(source);
      }
    },
    refreshDependencies() {
      stale = true;
    },
  };
}
