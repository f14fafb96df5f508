import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger, Transport } from '@conveyor/core';
import type { KnownKeys } from '@conveyor/core/transport';
import { CodegenError } from './diagnostics.js';

/** What `conveyor.config.ts` declares. Paths are relative to the config file. */
export interface ConveyorConfig {
  /** Globs of task files, e.g. `['src/tasks/*.ts']`. */
  tasks: string | readonly string[];
  /** The generated producer client, e.g. `src/generated/client.ts`. */
  client: string;
  /** The generated worker registry, e.g. `src/generated/registry.ts`. */
  registry: string;
  /** Extension written on relative imports: `.js` (default, Node ESM and bundlers), `.ts` or none. */
  importExtension?: '.js' | '.ts' | '';
  /**
   * tsconfig used to resolve schema imports (`paths`, packages) and `run`'s return type;
   * default `tsconfig.json` beside the config.
   */
  tsconfig?: string;
  /**
   * Makes the transport the `conveyor` command operates on (`worker`, `status`, `inspect`,
   * `retry`, `dead`, `cancel`, `purge`). The command calls it once per run and closes what
   * it returns; `--redis <url>` on the command line wins over it. Codegen never calls it.
   * Pass the `logger` it is given on to the transport, so that the transport's warnings go
   * where the command's logs go (`conveyor worker`: JSON lines on stdout).
   *
   * @example
   * transport: ({ logger }) => redisTransport({ url: process.env.REDIS_URL, prefix: 'shop', logger }),
   */
  transport?: (context: TransportContext) => Transport | Promise<Transport>;
}

/** What the `conveyor` command gives a config's `transport` function. */
export interface TransportContext {
  /** The command's logger: `conveyor worker`'s JSON logger, silent for the other commands. */
  logger: Logger;
}

const CONFIG_KEYS = {
  tasks: true,
  client: true,
  registry: true,
  importExtension: true,
  tsconfig: true,
  transport: true,
} as const satisfies KnownKeys<ConveyorConfig>;

/** Top-level config keys that hold code for other tools; codegen reads around them. */
export const RUNTIME_CONFIG_KEYS: ReadonlySet<string> = new Set(['transport']);

/** A config with absolute paths, ready to generate from. */
export interface ResolvedConfig {
  /** Absolute path of the config file, or undefined for an inline config. */
  readonly configFile: string | undefined;
  /** Directory all paths are relative to. */
  readonly root: string;
  readonly tasks: readonly string[];
  readonly client: string;
  readonly registry: string;
  readonly importExtension: '.js' | '.ts' | '';
  readonly tsconfig: string | undefined;
}

/**
 * Declares the config. An identity function, there for types and editor help. Import it from
 * `@conveyor/codegen/config` in a config the CLI runs (one with a `transport`): that entry
 * does not load the TypeScript compiler.
 *
 * @example
 * // conveyor.config.ts
 * import { defineConfig } from '@conveyor/codegen/config';
 * import { redisTransport } from '@conveyor/redis';
 *
 * export default defineConfig({
 *   tasks: ['src/tasks/*.ts'],
 *   client: 'src/generated/client.ts',
 *   registry: 'src/generated/registry.ts',
 *   transport: () => redisTransport({ url: process.env.REDIS_URL }),
 * });
 */
export function defineConfig(config: ConveyorConfig): ConveyorConfig {
  return config;
}

/** File names looked for, in order, when no `--config` is given. */
export const CONFIG_FILE_NAMES = [
  'conveyor.config.ts',
  'conveyor.config.mts',
  'conveyor.config.js',
  'conveyor.config.mjs',
  'conveyor.config.json',
] as const;

/** Where to look for the config: a `config` path (relative to `cwd`), else `cwd`. */
export interface FindConfigOptions {
  config?: string | undefined;
  cwd?: string | undefined;
}

/**
 * The config file's absolute path: `config` resolved against `cwd`, else the first of
 * {@link CONFIG_FILE_NAMES} in `cwd`, else undefined. A `config` that is a directory means
 * the first of those in it. A `config` that does not exist, or a directory without one, is
 * `CONFIG_NOT_FOUND`.
 *
 * @example
 * findConfigFile({ cwd: 'apps/shop' }); // "/…/apps/shop/conveyor.config.ts"
 */
export function findConfigFile(options: FindConfigOptions = {}): string | undefined {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  if (!options.config) {
    return CONFIG_FILE_NAMES.map((name) => path.join(cwd, name)).find((candidate) =>
      existsSync(candidate),
    );
  }
  const file = path.resolve(cwd, options.config);
  if (!existsSync(file)) {
    throw new CodegenError(
      'CONFIG_NOT_FOUND',
      `Config file ${JSON.stringify(options.config)} not found (looked at ${file}). Check the --config path.`,
    );
  }
  if (!statSync(file).isDirectory()) return file;
  // A directory, as `tsc -p` takes one: the config file in it.
  const inside = findConfigFile({ cwd: file });
  if (!inside) {
    throw new CodegenError(
      'CONFIG_NOT_FOUND',
      `${JSON.stringify(options.config)} is a directory with no config file in it (looked for ${CONFIG_FILE_NAMES.join(', ')} in ${file}). Name the file, or the directory that holds it.`,
    );
  }
  return inside;
}

/**
 * Finds and reads the config for code generation. `.ts`/`.mts` files are read statically
 * (their default export must be an object literal, optionally wrapped in `defineConfig`), so
 * generating never runs the config; `.js`/`.mjs` are imported; `.json` is parsed.
 *
 * @example
 * const config = await loadConfig({ cwd: 'apps/shop' });
 * config.client; // "/…/apps/shop/src/generated/client.ts"
 */
export async function loadConfig(options: FindConfigOptions = {}): Promise<ResolvedConfig> {
  const file = findConfigFile(options);
  if (!file) {
    throw new CodegenError(
      'CONFIG_NOT_FOUND',
      `No conveyor.config.ts found in ${path.resolve(options.cwd ?? process.cwd())}. Create one with defineConfig({ tasks, client, registry }) or pass --config.`,
    );
  }
  const raw = await readConfigFile(file, async () => {
    // The TypeScript parser is loaded only here: the rest of this module stays light.
    const { readStaticConfig } = await import('./config-static.js');
    return readStaticConfig(file, await readFile(file, 'utf8'));
  });
  return resolveConfig(raw, path.dirname(file), file);
}

/**
 * The config's default export, by running the file: for tools that need what only running
 * it gives, such as the CLI calling `transport`. `.js`/`.mjs` are imported, `.json` is
 * parsed, `.ts`/`.mts` go through `importModule` (default `import()`, which loads TypeScript
 * under tsx, a bundler's runner or a Node that strips types). Nothing is checked: pass the
 * result to {@link resolveConfig} for the codegen fields. A file that fails to load is
 * `CONFIG_LOAD_FAILED`.
 *
 * @example
 * const file = findConfigFile({ cwd });
 * const config = file ? await importConfig(file) : undefined;
 */
export function importConfig(
  file: string,
  options: { importModule?: (url: string) => Promise<unknown> } = {},
): Promise<unknown> {
  const importModule = options.importModule ?? ((url: string) => import(url));
  return readConfigFile(file, () => importDefault(file, importModule));
}

/** The default export of a `.json`, `.js`/`.mjs` or (through `typescript`) TS config. */
async function readConfigFile(file: string, typescript: () => Promise<unknown>): Promise<unknown> {
  const ext = path.extname(file);
  if (ext === '.json') {
    try {
      return JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      const why = error instanceof Error ? `: ${error.message.replace(/\.$/, '')}` : '';
      throw new CodegenError('CONFIG_INVALID', `${file} is not valid JSON${why}.`, {
        cause: error,
      });
    }
  }
  if (ext === '.js' || ext === '.mjs' || ext === '.cjs') {
    return importDefault(file, (url) => import(url));
  }
  return typescript();
}

async function importDefault(
  file: string,
  importModule: (url: string) => Promise<unknown>,
): Promise<unknown> {
  let module: { default?: unknown };
  try {
    module = (await importModule(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    throw new CodegenError(
      'CONFIG_LOAD_FAILED',
      `Cannot load ${file}: ${headline(error)}. Fix the file, or the import it names.`,
      { cause: error },
    );
  }
  return module.default;
}

/** Checks a config object and makes its paths absolute against `root`. */
export function resolveConfig(
  raw: unknown,
  root: string,
  configFile?: string | undefined,
): ResolvedConfig {
  const where = configFile ?? 'the config';
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid(where, 'default export', raw, 'an object { tasks, client, registry }');
  }
  const config = raw as Record<string, unknown>;
  assertConfigKeys(config, where);
  const tasks = typeof config.tasks === 'string' ? [config.tasks] : config.tasks;
  if (
    !Array.isArray(tasks) ||
    tasks.length === 0 ||
    !tasks.every((glob) => typeof glob === 'string' && glob.length > 0)
  ) {
    throw invalid(
      where,
      'tasks',
      config.tasks,
      "a glob or a non-empty array of globs, e.g. ['src/tasks/*.ts']",
    );
  }
  for (const key of ['client', 'registry'] as const) {
    const value = config[key];
    if (typeof value !== 'string' || !/\.(m?ts)$/.test(value)) {
      throw invalid(where, key, value, `a .ts file path, e.g. 'src/generated/${key}.ts'`);
    }
  }
  const importExtension = config.importExtension ?? '.js';
  if (importExtension !== '.js' && importExtension !== '.ts' && importExtension !== '') {
    throw invalid(where, 'importExtension', importExtension, "'.js', '.ts' or ''");
  }
  if (config.transport !== undefined && typeof config.transport !== 'function') {
    throw invalid(
      where,
      'transport',
      config.transport,
      'a function that returns a transport, e.g. () => redisTransport({ url: process.env.REDIS_URL })',
    );
  }
  if (config.tsconfig !== undefined && typeof config.tsconfig !== 'string') {
    throw invalid(where, 'tsconfig', config.tsconfig, 'a path to a tsconfig.json');
  }
  const tsconfig = path.resolve(root, (config.tsconfig as string | undefined) ?? 'tsconfig.json');
  const client = path.resolve(root, config.client as string);
  const registry = path.resolve(root, config.registry as string);
  // One file for both: the registry would overwrite the client, and producers importing it
  // would load every task's implementation.
  if (client === registry) {
    throw new CodegenError(
      'CONFIG_INVALID',
      `client and registry are the same file ${JSON.stringify(config.client)} in ${where}: give them different paths, e.g. 'src/generated/client.ts' and 'src/generated/registry.ts'.`,
    );
  }
  return {
    configFile,
    root,
    tasks: tasks as string[],
    client,
    registry,
    importExtension,
    tsconfig: existsSync(tsconfig) ? tsconfig : undefined,
  };
}

/**
 * A misspelt key (`importExtention`) would leave its setting at the default without a word.
 * The suggestion is the key that starts with the same four letters, has the same letters in
 * another order (`trasnport`), or is one letter away (`taks`), in any case: this entry loads
 * no package, so core's edit-distance `nearestName` is not at hand.
 */
export function assertConfigKeys(config: Record<string, unknown>, where: string): void {
  const known = Object.keys(CONFIG_KEYS);
  const stem = (key: string) => key.slice(0, 4).toLowerCase();
  const letters = (key: string) => [...key.toLowerCase()].sort().join('');
  for (const key of Object.keys(config)) {
    if (Object.hasOwn(CONFIG_KEYS, key) || config[key] === undefined) continue;
    const near = known.find(
      (name) =>
        stem(name) === stem(key) ||
        letters(name) === letters(key) ||
        oneLetterApart(name.toLowerCase(), key.toLowerCase()),
    );
    throw new CodegenError(
      'CONFIG_INVALID',
      `Unknown key ${JSON.stringify(key)} in ${where}: expected one of ${known.join(', ')}${
        near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`
      }.`,
    );
  }
}

/** Whether `a` and `b` differ by one letter dropped, added or changed. */
function oneLetterApart(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1 || a === b) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const rest = (x: string, skip: number) => x.slice(i + skip);
  return rest(a, 1) === rest(b, 1) || rest(a, 1) === rest(b, 0) || rest(a, 0) === rest(b, 1);
}

function invalid(where: string, key: string, value: unknown, expected: string): CodegenError {
  return new CodegenError(
    'CONFIG_INVALID',
    `Invalid ${key} ${JSON.stringify(value) ?? String(value)} in ${where}: expected ${expected}.`,
  );
}

/**
 * The line an error is told by: its message's first, with the next that is not blank when
 * the first only announces it (esbuild's "Transform failed with 1 error:", with the file,
 * line, column and reason on the line after).
 */
function headline(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const [first = '', ...rest] = error.message.split('\n');
  const next = rest.find((line) => line.trim() !== '');
  return first.endsWith(':') && next ? `${first} ${next.trim()}` : first;
}
