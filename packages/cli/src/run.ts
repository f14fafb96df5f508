import { CommanderError } from 'commander';
import { CliError, EXIT_CODES } from './errors.js';
import { commandWord, helpArguments, optionOfCommand } from './help-command.js';
import { unknownOptionHint } from './option-hints.js';
import type { Io } from './output.js';
import { createProgram } from './program.js';
import { askYesNo } from './prompt.js';
import { terminalText } from './terminal-text.js';

/** An {@link Io} on this process's streams. */
export function processIo(): Io {
  return {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    interactive: process.stdin.isTTY === true,
    progress: process.stderr.isTTY === true,
    confirm: (question) => askYesNo(question, process.stdin, process.stderr),
    env: process.env,
    cwd: process.cwd(),
  };
}

/**
 * Commands users of Celery and BullMQ reach for, whose spelling suggestion misleads:
 * `workers` suggested `worker`, which starts one instead of listing them.
 */
const OTHER_TOOLS: Readonly<Record<string, string>> = {
  workers: 'the workers are listed by `conveyor status` (`worker` starts one)',
  queues: 'the queues are listed by `conveyor status`',
  beat: 'there is no separate scheduler: every `conveyor worker` fires the schedules its tasks module declares; `conveyor schedules` lists them',
  flower: 'the web dashboard is `conveyor dashboard`',
};

/**
 * The command `argv` runs (`status` in `--redis <url> status --watch 1`): the first word that
 * is neither a global option nor an option's value; undefined when there is none.
 */
export function commandOf(argv: readonly string[]): string | undefined {
  return commandWord(createProgram(processIo(), new AbortController().signal), argv);
}

/**
 * Runs the `conveyor` command line and resolves with its exit code. Failures print one
 * line on stderr (`error: …`); see `EXIT_CODES` for what each code means.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2));
 */
export async function runCli(
  argv: readonly string[],
  io: Io = processIo(),
  signal: AbortSignal = new AbortController().signal,
): Promise<number> {
  const program = createProgram(io, signal);
  program.exitOverride();
  const output = {
    writeOut: (text: string) => io.stdout(text.replace(/\n$/, '')),
    writeErr: (text: string) => io.stderr(text.replace(/\n$/, '')),
    // One line, as every other error: commander put its suggestion ("(Did you mean
    // --json?)") and the help hint on lines of their own.
    outputError: (text: string, write: (text: string) => void) => {
      const line = text.trim().replace(/\s*\n\s*/g, ' ');
      // `conveyor --json status`: the option is the command's, typed before it.
      const unknown = /^error: unknown option '([^']+)'$/.exec(line)?.[1];
      const instead = unknown && optionOfCommand(program, argv, unknown);
      // A Celery option, or `--name=value` (for which commander suggests nothing).
      const hint = unknown && !instead ? unknownOptionHint(program, argv, unknown) : undefined;
      const command = /^error: unknown command '([^']+)'/.exec(line)?.[1];
      const elsewhere = command === undefined ? undefined : OTHER_TOOLS[command];
      write(
        instead
          ? `${line}: it is an option of the command, so it goes after it: ${instead}`
          : elsewhere
            ? `error: unknown command '${command}': ${elsewhere} (run with --help for usage)`
            : `${line}${hint ? ` (${hint})` : ''} (run with --help for usage)`,
      );
    },
  };
  program.configureOutput(output);
  const commands = [...program.commands];
  for (let command = commands.pop(); command; command = commands.pop()) {
    // Subcommands too (`schedules pause`).
    commands.push(...command.commands);
    command.exitOverride();
    command.configureOutput(output);
  }
  try {
    await program.parseAsync([...helpArguments(program, argv)], { from: 'user' });
    return 0;
  } catch (error) {
    return report(error, io);
  }
}

function report(error: unknown, io: Io): number {
  if (error instanceof CommanderError) {
    // commander has printed its message (or the help) already.
    if (error.exitCode === 0) return 0;
    return EXIT_CODES.USAGE;
  }
  // Messages can quote job data (a task name, an error from Redis): escaped line by line.
  if (error instanceof CliError) {
    const [first = '', ...rest] = error.message.split('\n');
    io.stderr(`error: ${terminalText(first)}`);
    for (const line of rest) io.stderr(terminalText(line));
    return error.exitCode;
  }
  // Conveyor's own errors carry a stable code (checked by shape: core loads lazily).
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'INVALID_OPTION' || code === 'INVALID_ENVELOPE') {
    io.stderr(`error: ${terminalText((error as Error).message)}`);
    return EXIT_CODES.USAGE;
  }
  // `conveyor schedules <action>` words a SCHEDULE_NOT_FOUND itself (the nearest id, the CLI's
  // advice only); any other that gets here keeps core's message.
  if (code === 'SCHEDULE_NOT_FOUND' || code === 'SCHEDULE_AMBIGUOUS') {
    io.stderr(`error: ${terminalText((error as Error).message)}`);
    return code === 'SCHEDULE_NOT_FOUND' ? EXIT_CODES.NOT_FOUND : EXIT_CODES.USAGE;
  }
  if (code === 'CAPABILITY_MISSING') {
    io.stderr(`error: ${terminalText((error as Error).message)}`);
    return EXIT_CODES.CAPABILITY_MISSING;
  }
  // Redis went away after the command connected, where no connection could tell where
  // (`lostConnection` in connection.ts tells the rest): the transport's own advice ("the
  // client keeps reconnecting") is not true of a command that ends here.
  if (code === 'TRANSPORT_ERROR' && (error as { failure?: unknown }).failure === 'CONNECTION') {
    const cause = (error as Error).cause;
    const detail = cause instanceof Error ? cause.message : (error as Error).message;
    io.stderr(
      `error: Lost the connection to Redis (${terminalText(detail.split('\n')[0] ?? '')}). Check that Redis is running and reachable, then run the command again.`,
    );
    return EXIT_CODES.REDIS_UNREACHABLE;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`error: ${terminalText(message.split('\n')[0] ?? '')}`);
  if (io.env.CONVEYOR_DEBUG && error instanceof Error && error.stack) {
    for (const line of error.stack.split('\n')) io.stderr(terminalText(line));
  }
  return EXIT_CODES.FAILED;
}
