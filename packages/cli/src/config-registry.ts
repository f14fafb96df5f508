import { existsSync } from 'node:fs';
import path from 'node:path';
import { CliError } from './errors.js';
import { type FollowUp, followUp } from './follow-up.js';

/** The registry a codegen config names, and the task files changed since it was written. */
export interface ConfigRegistry {
  path: string;
  /** Relative to the config's directory; empty when none changed after the registry. */
  stale: readonly string[];
  registryLabel: string;
  /** Suggests `conveyor generate` with the `--config` given: what writes the registry again. */
  generate: FollowUp;
}

/** The registry module a codegen config names (its `registry`), as `--tasks` would. */
export async function registryFromConfig(
  config: string | undefined,
  cwd: string,
): Promise<ConfigRegistry> {
  const { file, label, resolved, generate } = await generatedFromConfig(
    config,
    cwd,
    'registry',
    ' (and again whenever a task changes)',
  );
  const { staleTaskFiles } = await import('@conveyor/codegen/config');
  let stale: readonly string[];
  try {
    stale = await staleTaskFiles(resolved);
  } catch (error) {
    throw new CliError(
      'TASKS_LOAD_FAILED',
      error instanceof Error ? error.message : String(error),
      {
        cause: error,
      },
    );
  }
  return { path: file, stale, registryLabel: label, generate };
}

/**
 * A file `conveyor generate` writes from the config (`--config`, else the one in `cwd`): its
 * `registry` (for workers) or its `client` (contracts only, for `conveyor enqueue`). Refused
 * when there is no config, when it fails to load, or when the file is not written yet.
 */
export async function generatedFromConfig(
  config: string | undefined,
  cwd: string,
  which: 'registry' | 'client',
  rewrite = '',
) {
  const { loadConfig } = await import('@conveyor/codegen/config');
  let resolved: Awaited<ReturnType<typeof loadConfig>>;
  try {
    resolved = await loadConfig({ config, cwd });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (config === undefined && (error as { code?: unknown }).code === 'CONFIG_NOT_FOUND') {
      throw new CliError(
        'USAGE',
        `No task module: pass --tasks <module>, or --config <file> naming a codegen config (no conveyor.config.ts in ${cwd}).`,
      );
    }
    throw new CliError('TASKS_LOAD_FAILED', message, { cause: error });
  }
  const file = resolved[which];
  const label = path.relative(cwd, file) || file;
  // The same config: another one's generate would not write this file.
  const generate = followUp(config === undefined ? {} : { config });
  // The usual cause is a generate that never ran, not a wrong path.
  if (!existsSync(file)) {
    const named = resolved.configFile ? path.relative(cwd, resolved.configFile) : 'the config';
    throw new CliError(
      'TASKS_LOAD_FAILED',
      `The ${which} ${label} that ${named} names does not exist yet: run \`${generate.command`generate`}\` to write it${rewrite}, or pass --tasks <module>.`,
    );
  }
  return { file, label, resolved, generate };
}

/**
 * The banner's warning for task files changed after the registry was written: the registry
 * keeps their old schema fingerprints, so producers on the old generated client look current
 * to this worker while the task's schema has moved on (their jobs then fail validation).
 */
export function staleNote({ stale, registryLabel, generate }: ConfigRegistry): string {
  const shown = stale.slice(0, 3).join(', ');
  const more = stale.length > 3 ? ` and ${stale.length - 3} more` : '';
  return `${shown}${more} changed after ${registryLabel} was generated: run \`${generate.command`generate`}\` (or \`${generate.command`generate --watch`}\`), or this worker and the producers keep the old schema fingerprints.`;
}
