import { type ConveyorConfig, loadConfig, type ResolvedConfig, resolveConfig } from './config.js';
import { createGenerator, type GenerateResult } from './generator.js';

/** Where to find the config: a path, a directory to search, or the config itself. */
export interface GenerateOptions {
  /** Config file path (relative to `cwd`); default: `conveyor.config.ts` etc. in `cwd`. */
  config?: string | undefined;
  cwd?: string | undefined;
  /** An inline config instead of a file; paths are relative to `cwd`. */
  inline?: ConveyorConfig | undefined;
}

/** Loads the config named by `options`. */
export function resolveOptions(
  options: GenerateOptions = {},
): Promise<ResolvedConfig> | ResolvedConfig {
  if (options.inline) return resolveConfig(options.inline, options.cwd ?? process.cwd());
  return loadConfig(options);
}

/**
 * Generates the client and registry once. Writes only files whose content changed.
 * Check `result.ok` and `result.diagnostics`: with diagnostics nothing is written.
 *
 * @example
 * const result = await generate({ cwd: 'apps/shop' });
 * for (const file of result.files) console.log(file.status, file.path);
 */
export async function generate(options: GenerateOptions = {}): Promise<GenerateResult> {
  return createGenerator(await resolveOptions(options)).run();
}

/**
 * Compares the generated files with what generation would write, writing nothing.
 * `result.ok` is false when a file is stale (or missing) or a task file has diagnostics.
 *
 * @example
 * const result = await checkGenerated({ cwd: 'apps/shop' });
 * if (!result.ok) process.exitCode = 1;
 */
export async function checkGenerated(options: GenerateOptions = {}): Promise<GenerateResult> {
  return createGenerator(await resolveOptions(options)).run({ check: true });
}
