import { nearestName } from '@conveyor/core/transport';
import type { Command } from 'commander';
import { CliError } from './errors.js';

/**
 * `conveyor help <command> [<subcommand>]` as `<command> [<subcommand>] --help`. Commander's
 * own help command reads one level only (`help schedules pause` showed the help of
 * `schedules`), and showed the whole program's help, exit 0, for a name that is no command
 * (`help nosuch`). Each name is looked up here; an unknown one is a usage error naming the
 * commands there are, and so is an unknown command asked for its `--help`. Any other argument
 * list is returned as it is.
 */
export function helpArguments(program: Command, argv: readonly string[]): readonly string[] {
  const [first] = argv;
  // `conveyor statsu --help` showed the whole program's help, exit 0, as if statsu existed.
  const named = commandWord(program, argv);
  if (
    named !== undefined &&
    named !== 'help' &&
    argv.some((arg) => arg === '--help' || arg === '-h') &&
    !program.commands.some((sub) => sub.name() === named || sub.aliases().includes(named))
  ) {
    const known = program.commands.map((sub) => sub.name()).filter((sub) => sub !== 'help');
    throw unknownCommand(named, 'conveyor', known);
  }
  // `conveyor workflows show --help` showed the help of `workflows`, exit 0, as if `show`
  // existed: the word right after a command with subcommands is one of them (or an option).
  const at = commandIndex(program, argv);
  const parent =
    at === undefined ? undefined : program.commands.find((sub) => sub.name() === argv[at]);
  const word = at === undefined ? undefined : argv[at + 1];
  if (
    parent &&
    parent.commands.length > 0 &&
    word !== undefined &&
    !word.startsWith('-') &&
    argv.some((arg) => arg === '--help' || arg === '-h') &&
    !parent.commands.some((sub) => sub.name() === word || sub.aliases().includes(word)) &&
    word !== 'help'
  ) {
    const known = parent.commands.map((sub) => sub.name()).filter((sub) => sub !== 'help');
    throw unknownCommand(word, `conveyor ${parent.name()}`, known);
  }
  // `conveyor schedules help pause`, as `conveyor workflows help list` reads: commander adds no
  // help subcommand to a command with an action of its own (schedules lists).
  if (parent && parent.commands.length > 0 && word === 'help' && at !== undefined) {
    return helpArguments(program, ['help', parent.name(), ...argv.slice(at + 2)]);
  }
  if (first !== 'help' || argv.length < 2) return argv;
  const names = argv.slice(1);
  let command = program;
  for (const name of names) {
    if (name.startsWith('-')) break;
    const next = command.commands.find(
      (sub) => sub.name() === name || sub.aliases().includes(name),
    );
    if (!next) {
      const known = command.commands.map((sub) => sub.name()).filter((sub) => sub !== 'help');
      const where = command === program ? 'conveyor' : `conveyor ${command.name()}`;
      if (known.length === 0) {
        throw new CliError(
          'USAGE',
          `${where} has no command ${JSON.stringify(name)}: it takes no subcommand.`,
        );
      }
      throw unknownCommand(name, where, known);
    }
    command = next;
  }
  return [...names.filter((name) => !name.startsWith('-')), '--help'];
}

/** The command word of `argv` ({@link commandWord}) and the command it names, if any. */
export function namedCommand(
  program: Command,
  argv: readonly string[],
): { named: string | undefined; command: Command | undefined } {
  const named = commandWord(program, argv);
  const command = program.commands.find(
    (sub) => sub.name() === named || (named !== undefined && sub.aliases().includes(named)),
  );
  return { named, command };
}

/**
 * Where an option unknown to `conveyor` itself belongs to the command named after it
 * (`conveyor --json status`), what to type instead: `` `conveyor status --json` ``.
 * Undefined when the command takes no such option either, or none is named.
 */
export function optionOfCommand(
  program: Command,
  argv: readonly string[],
  option: string,
): string | undefined {
  const { named, command } = namedCommand(program, argv);
  if (!command?.options.some((o) => o.long === option || o.short === option)) return undefined;
  const at = argv.indexOf(named as string);
  const before = argv.slice(0, at);
  const line = [
    ...before.filter((arg) => arg !== option),
    named,
    ...before.filter((arg) => arg === option),
    ...argv.slice(at + 1),
  ];
  return `\`conveyor ${line.join(' ')}\``;
}

/**
 * The first word of `argv` that is no global option or an option's value: the command asked
 * for (`conveyor --redis redis://h:6379 status` names `status`). Undefined when there is none.
 */
export function commandWord(program: Command, argv: readonly string[]): string | undefined {
  const index = commandIndex(program, argv);
  return index === undefined ? undefined : argv[index];
}

/** Where {@link commandWord} is in `argv`. */
function commandIndex(program: Command, argv: readonly string[]): number | undefined {
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (!arg.startsWith('-')) return index;
    if (arg.includes('=')) continue;
    const option = program.options.find((o) => o.long === arg || o.short === arg);
    // An option that takes a value takes the next word.
    if (option && (option.required || option.optional)) index++;
  }
  return undefined;
}

/** Words other tools use for a command (`delete` for `remove`), when `known` has it. */
const SYNONYMS: Readonly<Record<string, string>> = {
  delete: 'remove',
  del: 'remove',
  rm: 'remove',
  trigger: 'run-now',
  run: 'run-now',
  disable: 'pause',
  enable: 'resume',
  unpause: 'resume',
};

function synonymOf(name: string, known: readonly string[]): string | undefined {
  const synonym = Object.hasOwn(SYNONYMS, name.toLowerCase())
    ? SYNONYMS[name.toLowerCase()]
    : undefined;
  return synonym !== undefined && known.includes(synonym) ? synonym : undefined;
}

/**
 * `unknown command "paus" for conveyor schedules: expected one of run-now, pause, resume (did
 * you mean pause?).`, with `otherwise` before the period (`, or nothing to list …`).
 */
export function unknownCommand(
  name: string,
  where: string,
  known: readonly string[],
  otherwise = '',
): CliError {
  const near = nearestName(name, known) ?? synonymOf(name, known);
  return new CliError(
    'USAGE',
    `unknown command ${JSON.stringify(name)} for ${where}: expected one of ${known.join(', ')}${near ? ` (did you mean ${near}?)` : ''}${otherwise}.`,
  );
}
