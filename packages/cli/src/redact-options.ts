import { type Command, Option } from 'commander';
import { parseRedactPaths } from './options.js';

/**
 * The note under the `--help` of a command that prints job data (`what`: which values, a
 * short line), for its `notes`: what is redacted by default, and the two options.
 */
export function redactionHelp(what: string): string {
  return `
Redaction applies to ${what}.
As on the dashboard, the value of every key named password, secret, token, apiKey,
authorization, cookie, privateKey, cvv (and their usual spellings: client_secret,
access_token, …), at any depth, reads "[redacted]". --redact <path> redacts more (a dot
path: card.number, items.*.sku, '**.cvv'; repeatable); --show-secrets prints the values
as stored.
`;
}

/**
 * The note under the `--help` of a read command on the fields task schemas mark, for
 * {@link addTasksForMarks}.
 */
export const MARKS_HELP = `The fields the tasks' input schemas mark with .meta({ redact: true }) are redacted
too: those of --tasks <module>, else of the client conveyor generate writes (the config's
\`client\`), when there is a config. Without either, pass --redact <path> for them.
`;

/**
 * Adds `--tasks <module>` to a command that prints job data read from the broker: the tasks
 * whose schema marks it redacts as well (schema-marks.ts).
 */
export function addTasksForMarks(command: Command): Command {
  return command.option(
    '-t, --tasks <module>',
    "module exporting the tasks or their contracts, whose schemas' .meta({ redact: true }) fields are redacted too (default: the generated client the config names, if any); .ts loads through tsx",
  );
}

/**
 * Adds `--redact <path>` (repeatable, or comma-separated) and `--show-secrets` to a command
 * that prints job data read from the broker (`what`: which values). The values go through
 * `redactionOf` (redaction.ts) before they print; {@link redactionHelp} says so in `--help`.
 */
export function addRedactOptions(command: Command, what: string): Command {
  return command
    .addOption(
      new Option(
        '--redact <path>',
        `also redact this path of ${what}, e.g. card.number, items.*.sku or '**.cvv' (repeatable, or comma-separated)`,
      )
        .argParser(parseRedactPaths)
        .conflicts('showSecrets'),
    )
    .option(
      '--show-secrets',
      `print ${what} as stored, without redaction (secrets then show in the terminal, logs and anything pasted)`,
    );
}
