import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  createGenerator,
  formatDiagnostic,
  type GenerateResult,
  loadConfig,
  watchGenerate,
} from '@conveyor/codegen';
import { CliError, type CliErrorCode } from '../errors.js';
import type { FollowUp } from '../follow-up.js';
import type { Io } from '../output.js';
import { terminalJson, terminalText } from '../terminal-text.js';

export interface GenerateCommandOptions {
  config?: string | undefined;
  check?: boolean;
  watch?: boolean;
  json?: boolean;
  signal?: AbortSignal;
  /** The `conveyor generate` to suggest, with the `--config` given. */
  followUp: FollowUp;
}

/**
 * The exit a codegen config error ends with, as the other commands have it: a config file
 * that is not there (or none at all) is bad usage (2); one that fails to load, is not
 * static or holds bad values is `CONFIG_INVALID` (9).
 */
const CONFIG_ERRORS: Readonly<Record<string, CliErrorCode>> = {
  CONFIG_NOT_FOUND: 'USAGE',
  CONFIG_INVALID: 'CONFIG_INVALID',
  CONFIG_NOT_STATIC: 'CONFIG_INVALID',
  CONFIG_LOAD_FAILED: 'CONFIG_INVALID',
};

/**
 * `conveyor generate`: the typed client and the worker registry (`@conveyor/codegen`). It
 * reports as every command does: results on stdout (one JSON document with `--json`, one
 * per run with `--watch`), each failure one `error: …` line on stderr and an exit code, a
 * config error 2 or 9, task-file diagnostics and stale files (`--check`) 1, after the
 * result.
 */
export async function runGenerate(options: GenerateCommandOptions, io: Io): Promise<void> {
  if (options.check && options.watch) {
    throw new CliError(
      'USAGE',
      '--check and --watch cannot be combined: --check is a one-shot CI gate.',
    );
  }
  const where = { config: options.config, cwd: io.cwd };
  try {
    if (options.watch) {
      await watchGenerate({
        ...where,
        signal: options.signal,
        onResult: watchPrinter(options, io),
        // A failed run (a config edited into a bad one) is reported; watching goes on.
        onError: (error) => io.stderr(`error: ${terminalText(firstLine(error))}`),
      });
      return;
    }
    const mode = options.check ? 'check' : 'write';
    const started = performance.now();
    const result = await createGenerator(await loadConfig(where)).run({
      check: mode === 'check',
      // Progress goes to stderr, so --json output stays one document.
      onProgress: (message) => io.stderr(terminalText(message)),
    });
    const ms = Math.round(performance.now() - started);
    if (options.json) io.stdout(terminalJson(toJson(result, mode, ms)));
    else printHuman(result, mode, ms, io);
    if (!result.ok) throw new CliError('FAILED', failure(result, mode, options.followUp));
  } catch (error) {
    // By shape: @conveyor/codegen/config, which the worker loads, has a CodegenError of its own.
    const code = (error as { code?: unknown }).code;
    const as =
      typeof code === 'string' && Object.hasOwn(CONFIG_ERRORS, code)
        ? CONFIG_ERRORS[code]
        : undefined;
    if (error instanceof Error && error.name === 'CodegenError' && as) {
      throw new CliError(as, configMessage(error.message, code as string, io.cwd), {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * A config error located in the file (`/abs/conveyor.config.ts:4:11: … is not a literal`),
 * as task-file diagnostics read: the path from the cwd, and the code the README names
 * (`conveyor.config.ts:4:11 CONFIG_NOT_STATIC: …`). Others are left as they are.
 */
function configMessage(message: string, code: string, cwd: string): string {
  const located = /^(.+?):(\d+):(\d+): ([\s\S]*)$/.exec(message);
  if (!located) return message;
  const [, file = '', line, column, rest] = located;
  return `${path.relative(cwd, file) || file}:${line}:${column} ${code}: ${rest}`;
}

/** Why a run that printed its result failed: diagnostics, or stale files with `--check`. */
function failure(result: GenerateResult, mode: 'write' | 'check', followUp: FollowUp): string {
  if (result.diagnostics.length > 0) {
    // Most are in task files; NO_TASK_FILES is the config's.
    const where = result.diagnostics.every((d) => d.code === 'NO_TASK_FILES')
      ? 'in the config'
      : result.diagnostics.some((d) => d.code === 'NO_TASK_FILES')
        ? 'in task files and the config'
        : 'in task files';
    return `${plural(result.diagnostics.length, 'problem')} ${where}; ${mode === 'check' ? 'nothing was compared' : 'nothing was written'}.`;
  }
  const parts = (['missing', 'stale'] as const).flatMap((status) => {
    const files = result.files.filter((file) => file.status === status).map((file) => file.path);
    return files.length === 0 ? [] : [{ status, files }];
  });
  const what = parts
    .map(({ status, files }, index) => {
      const count = index === 0 ? plural(files.length, 'generated file') : String(files.length);
      return `${count} ${files.length === 1 ? 'is' : 'are'} ${status}: ${files.join(', ')}`;
    })
    .join('; ');
  return `${what}. Run \`${followUp.command`generate`}\` and commit the result.`;
}

/** What `--watch` prints after each run. */
function watchPrinter(options: GenerateCommandOptions, io: Io) {
  let first = true;
  let started = performance.now();
  return (result: GenerateResult, changed: readonly string[]) => {
    const ms = Math.round(performance.now() - started);
    if (options.json) {
      io.stdout(terminalJson({ ...toJson(result, 'write', ms), changed }));
    } else {
      if (!first) {
        io.stdout(terminalText(`Change in ${changed.join(', ') || 'task files'}; regenerating.`));
      }
      printHuman(result, 'write', ms, io);
      if (first) io.stdout('Watching for changes (Ctrl-C to stop).');
    }
    // Not the end of the command: watching goes on, for the next change to fix them.
    if (!result.ok) io.stderr(`error: ${failure(result, 'write', options.followUp)}`);
    first = false;
    started = performance.now();
  };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? '';
}

function toJson(result: GenerateResult, mode: 'write' | 'check', durationMs: number) {
  return {
    ok: result.ok,
    mode,
    durationMs,
    tasks: result.tasks,
    schedules: result.schedules,
    // The human line counts workflows; the document left them out.
    workflows: result.workflows,
    files: result.files,
    diagnostics: result.diagnostics,
    warnings: result.warnings,
  };
}

/** The human result: warnings and diagnostics on stderr, the files and counts on stdout. */
function printHuman(result: GenerateResult, mode: 'write' | 'check', ms: number, io: Io): void {
  for (const warning of result.warnings) io.stderr(`warning: ${terminalText(warning)}`);
  if (result.diagnostics.length > 0) {
    for (const diagnostic of result.diagnostics) {
      for (const line of formatDiagnostic(diagnostic).split('\n')) io.stderr(terminalText(line));
    }
    return;
  }
  for (const file of result.files)
    io.stdout(terminalText(`  ${file.status.padEnd(9)} ${file.path}`));
  const count = countText([
    [result.tasks.length, 'task'],
    [result.schedules.length, 'schedule'],
    [result.workflows.length, 'workflow'],
  ]);
  if (mode === 'write') {
    const written = result.files.filter((file) => file.status === 'written').length;
    io.stdout(
      `Generated ${count}: ${plural(written, 'file')} written, ${result.files.length - written} unchanged (${ms} ms).`,
    );
  } else if (result.ok) {
    io.stdout(`Generated files are up to date (${count}, ${ms} ms).`);
  }
}

/** "7 tasks, 1 schedule and 1 workflow": every kind with some, tasks always. */
function countText(counts: ReadonlyArray<readonly [number, string]>): string {
  const parts = counts
    .filter(([count], index) => index === 0 || count > 0)
    .map(([count, noun]) => `${count} ${noun}${count === 1 ? '' : 's'}`);
  const last = parts.pop() as string;
  return parts.length === 0 ? last : `${parts.join(', ')} and ${last}`;
}

/** `1 problem`, `2 problems`: it printed `1 problem(s)`. */
function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
