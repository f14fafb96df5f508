import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedConfig } from './config.js';
import type { Diagnostic } from './diagnostics.js';

/**
 * How much later than the registry a task file must have changed to count: a checkout or a
 * copy writes both within milliseconds, in any order; an edit after a generate comes seconds
 * later.
 */
const SLACK_MS = 1_000;

/**
 * The task files `config.tasks` matches (absolute, normalized), the generated files and
 * node_modules left out: what `conveyor generate` reads. tinyglobby is imported here, when it
 * runs: a config that imports @conveyor/codegen/config loads no package.
 */
export async function findTaskFiles(config: ResolvedConfig): Promise<string[]> {
  const { glob } = await import('tinyglobby');
  const found = await glob([...config.tasks], {
    cwd: config.root,
    absolute: true,
    ignore: [
      '**/node_modules/**',
      relativePath(config, config.client),
      relativePath(config, config.registry),
    ],
  });
  return found.map((file) => path.normalize(file));
}

/**
 * The error for `tasks` globs that match no file (a typo such as `src/task/*.ts`), at the
 * `tasks` key of the config file. Generating from no file would overwrite the client and the
 * registry with empty lists, and every producer importing a task would stop compiling. A
 * task file that defines no task yet is not this: it generates an empty client.
 */
export async function noTaskFiles(config: ResolvedConfig): Promise<Diagnostic> {
  const name = config.configFile ? path.basename(config.configFile) : 'the inline config';
  const text = config.configFile ? await readFile(config.configFile, 'utf8').catch(() => '') : '';
  const at = /(["']?)\btasks\1\s*:/.exec(text)?.index ?? 0;
  const before = text.slice(0, at).split('\n');
  return {
    code: 'NO_TASK_FILES',
    file: config.configFile ? relativePath(config, config.configFile) : name,
    line: before.length,
    column: (before.at(-1)?.length ?? 0) + 1,
    message: `No file matches tasks ${JSON.stringify(config.tasks)} (relative to ${config.root}), so there is no task to generate from; generating would empty the client and the registry.`,
    fix: `Correct "tasks" in ${name} to match your task files (e.g. ['src/tasks/*.ts'], relative to the config's folder), or create the task file it names.`,
  };
}

/** `file` relative to the config's root, with `/` separators. */
export function relativePath(config: Pick<ResolvedConfig, 'root'>, file: string): string {
  return path.relative(config.root, file).split(path.sep).join('/');
}

/**
 * The task files (matched by `config.tasks`, relative to `config.root`) changed after the
 * registry was last written: `conveyor generate` has not seen them. The registry then keeps
 * the old schema fingerprints, so a producer and a worker on the old generated files agree
 * with each other while the task's code has moved on. Empty when the registry is missing (a
 * caller says so itself) or nothing is newer. By modification time: a hint, not a proof;
 * `conveyor generate --check` is the proof.
 */
export async function staleTaskFiles(config: ResolvedConfig): Promise<string[]> {
  const written = await stat(config.registry).then(
    (stats) => stats.mtimeMs,
    () => undefined,
  );
  if (written === undefined) return [];
  const files = await findTaskFiles(config);
  const changed = await Promise.all(
    files.map(async (file) => {
      const modified = await stat(file).then(
        (stats) => stats.mtimeMs,
        () => 0,
      );
      return modified > written + SLACK_MS ? relativePath(config, file) : undefined;
    }),
  );
  return changed.filter((file): file is string => file !== undefined).sort();
}
