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
