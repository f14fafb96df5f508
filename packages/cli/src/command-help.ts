import type { Command } from 'commander';
import { DEFAULT_REDIS_URL } from './connection-settings.js';

/** Examples shown under each command's `--help`. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}

/** Under each command that reaches the broker: where its transport comes from. */
export function transportHelp(needsAdmin = false): string {
  const needs = needsAdmin
    ? " It needs\nthe transport's admin operations (transport.admin; the Redis and memory transports have them)."
    : '';
  return `
Transport: --redis <url> (or --prefix, --tls-*) when given, else the transport function of
conveyor.config.ts (or --config <file>), else REDIS_URL, else ${DEFAULT_REDIS_URL}.${needs}
`;
}

/**
 * A command that reaches the broker: its `--help` ends with where the transport comes from
 * (and whether it needs `transport.admin`), then the examples.
 */
export function brokerCommand(
  program: Command,
  name: string,
  description: string,
  help: { admin?: boolean; notes?: string; examples: string[]; isDefault?: boolean },
): Command {
  return program
    .command(name, { isDefault: help.isDefault ?? false })
    .description(description)
    .addHelpText(
      'after',
      (help.notes ?? '') + transportHelp(help.admin) + examples(...help.examples),
    );
}
