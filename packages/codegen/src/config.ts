import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ts } from 'ts-morph';
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
  /** tsconfig used to resolve `run`'s return type; default `tsconfig.json` beside the config. */
  tsconfig?: string;
}

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
 * Declares the codegen config. An identity function, there for types and editor help.
 *
 * @example
 * // conveyor.config.ts
 * import { defineConfig } from '@conveyor/codegen';
 * export default defineConfig({
 *   tasks: ['src/tasks/*.ts'],
 *   client: 'src/generated/client.ts',
 *   registry: 'src/generated/registry.ts',
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

/**
 * Finds and reads the config. `.ts`/`.mts` files are read statically (their default export
 * must be an object literal, optionally wrapped in `defineConfig`), so loading a config never
 * runs TypeScript; `.js`/`.mjs` are imported; `.json` is parsed.
 *
 * @example
 * const config = await loadConfig({ cwd: 'apps/shop' });
 * config.client; // "/…/apps/shop/src/generated/client.ts"
 */
export async function loadConfig(
  options: { config?: string | undefined; cwd?: string | undefined } = {},
): Promise<ResolvedConfig> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const file = options.config
    ? path.resolve(cwd, options.config)
    : CONFIG_FILE_NAMES.map((name) => path.join(cwd, name)).find((candidate) =>
        existsSync(candidate),
      );
  if (!file || !existsSync(file)) {
    throw new CodegenError(
      'CONFIG_NOT_FOUND',
      options.config
        ? `Config file ${JSON.stringify(options.config)} not found (looked at ${file}). Check the --config path.`
        : `No conveyor.config.ts found in ${cwd}. Create one with defineConfig({ tasks, client, registry }) or pass --config.`,
    );
  }
  const raw = await readConfigFile(file);
  return resolveConfig(raw, path.dirname(file), file);
}

async function readConfigFile(file: string): Promise<unknown> {
  const ext = path.extname(file);
  if (ext === '.json') {
    try {
      return JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new CodegenError('CONFIG_INVALID', `${file} is not valid JSON.`, { cause: error });
    }
  }
  if (ext === '.js' || ext === '.mjs' || ext === '.cjs') {
    const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
    return module.default;
  }
  return readStaticConfig(file, await readFile(file, 'utf8'));
}

/** Reads the default export of a TS config as a literal, without running it. */
export function readStaticConfig(file: string, text: string): unknown {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const assignment = source.statements.find(ts.isExportAssignment);
  if (!assignment) {
    throw new CodegenError(
      'CONFIG_INVALID',
      `${file} has no default export. Write \`export default defineConfig({ tasks, client, registry })\`.`,
    );
  }
  let node = unwrap(assignment.expression);
  if (ts.isCallExpression(node) && node.arguments.length === 1 && node.arguments[0]) {
    node = unwrap(node.arguments[0]);
  }
  return literalValue(node, source);
}

function unwrap(node: ts.Expression): ts.Expression {
  let current = node;
  while (
    ts.isParenthesizedExpression(current) ||
    ts.isAsExpression(current) ||
    ts.isSatisfiesExpression(current)
  ) {
    current = current.expression;
  }
  return current;
}

function literalValue(node: ts.Expression, source: ts.SourceFile): unknown {
  const expr = unwrap(node);
  if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return expr.text;
  if (ts.isNumericLiteral(expr)) return Number(expr.text);
  if (expr.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (expr.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (ts.isArrayLiteralExpression(expr)) {
    return expr.elements.map((element) => literalValue(element, source));
  }
  if (ts.isObjectLiteralExpression(expr)) {
    const result: Record<string, unknown> = {};
    for (const property of expr.properties) {
      if (ts.isPropertyAssignment(property) && !ts.isComputedPropertyName(property.name)) {
        result[property.name.text] = literalValue(property.initializer, source);
      } else {
        throw notStatic(property, source);
      }
    }
    return result;
  }
  throw notStatic(expr, source);
}

function notStatic(node: ts.Node, source: ts.SourceFile): CodegenError {
  const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
  return new CodegenError(
    'CONFIG_NOT_STATIC',
    `${source.fileName}:${line + 1}:${character + 1}: ${JSON.stringify(node.getText(source))} is not a literal. conveyor.config.ts is read without running it: write strings and arrays of strings inline, or use conveyor.config.js.`,
  );
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
  if (config.tsconfig !== undefined && typeof config.tsconfig !== 'string') {
    throw invalid(where, 'tsconfig', config.tsconfig, 'a path to a tsconfig.json');
  }
  const tsconfig = path.resolve(root, (config.tsconfig as string | undefined) ?? 'tsconfig.json');
  return {
    configFile,
    root,
    tasks: tasks as string[],
    client: path.resolve(root, config.client as string),
    registry: path.resolve(root, config.registry as string),
    importExtension,
    tsconfig: existsSync(tsconfig) ? tsconfig : undefined,
  };
}

function invalid(where: string, key: string, value: unknown, expected: string): CodegenError {
  return new CodegenError(
    'CONFIG_INVALID',
    `Invalid ${key} ${JSON.stringify(value) ?? String(value)} in ${where}: expected ${expected}.`,
  );
}
