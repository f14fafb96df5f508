import { CliError } from './errors.js';
import type { Io } from './output.js';
import { terminalText } from './terminal-text.js';

/**
 * The task and workflow definitions whose input schemas' `.meta({ redact: true })` marks a
 * command that prints job data read from the broker redacts, beside the default paths: those
 * of `--tasks <module>`, else of the generated client the codegen config names (`--config`,
 * else a conveyor.config.ts in the working directory), as the dashboard does with the tasks
 * it is given.
 *
 * - No config and no `--tasks`: nothing is loaded; the default and `--redact` paths apply.
 * - A `--tasks` module that cannot be loaded fails the command, as on `enqueue`.
 * - A config whose client is missing or cannot be imported: a note on stderr says which
 *   fields may then print, and the command goes on with the default and `--redact` paths.
 *   It only reads the broker; refusing it would leave the operator nothing to look at.
 */
export async function markedDefinitions(
  tasks: string | undefined,
  config: string | undefined,
  io: Io,
): Promise<readonly unknown[]> {
  const { loadContracts } = await import('./commands/enqueue.js');
  try {
    const { byName } = await loadContracts(tasks, config, io.cwd);
    return [...byName.values()].map((found) => found.contract);
  } catch (error) {
    if (tasks !== undefined) throw error;
    // generatedFromConfig's "no config in the working directory" (config-registry.ts).
    if (config === undefined && error instanceof CliError && error.code === 'USAGE') return [];
    const reason = error instanceof Error ? error.message : String(error);
    io.stderr(
      terminalText(
        `Note: not redacting the fields task schemas mark with .meta({ redact: true }): ${reason} Pass --tasks <module> for them, or --redact <path> for each.`,
      ),
    );
    return [];
  }
}
