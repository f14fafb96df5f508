import { performance } from 'node:perf_hooks';
import { resolveOptions } from './api.js';
import { CodegenError, formatDiagnostic } from './diagnostics.js';
import { createGenerator, type GenerateResult } from './generator.js';
import { watchGenerate } from './watch.js';

/** Flags of `conveyor generate`. */
export interface GenerateCommandOptions {
  /** Config file, relative to `cwd`. */
  config?: string | undefined;
  cwd?: string | undefined;
  /** Write nothing; exit 1 when a generated file is stale. */
  check?: boolean | undefined;
  /** Regenerate on every change until `signal` aborts. */
  watch?: boolean | undefined;
  /** One JSON document on stdout (one per line, per run, with --watch). */
  json?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

/** Where the command prints, one line per call. */
export interface CommandIO {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

/**
 * `conveyor generate`: does the work and all the printing, and returns the exit code:
 * 0 when files are written (or fresh with `check`), 1 on diagnostics, a stale file with
 * `check`, or a config error.
 *
 * @example
 * const code = await runGenerateCommand({ check: true }, {
 *   stdout: (line) => console.log(line),
 *   stderr: (line) => console.error(line),
 * });
 * process.exitCode = code;
 */
export async function runGenerateCommand(
  options: GenerateCommandOptions,
  io: CommandIO,
): Promise<number> {
  const mode = options.check ? 'check' : 'write';
  const started = performance.now();
  try {
    if (options.check && options.watch) {
      throw new CodegenError(
        'CONFIG_INVALID',
        '--check and --watch cannot be combined: --check is a one-shot CI gate.',
      );
    }
    if (options.watch) return await runWatch(options, io);
    const config = await resolveOptions(options);
    const result = await createGenerator(config).run({
      check: mode === 'check',
      // Progress goes to stderr, so --json output stays one document.
      onProgress: (message) => io.stderr(message),
    });
    const ms = Math.round(performance.now() - started);
    if (options.json) io.stdout(JSON.stringify(toJson(result, mode, ms)));
    else printHuman(result, mode, ms, io);
    return result.ok ? 0 : 1;
  } catch (error) {
    if (!(error instanceof CodegenError)) throw error;
    if (options.json) {
      io.stdout(
        JSON.stringify({ ok: false, mode, error: { code: error.code, message: error.message } }),
      );
    } else {
      io.stderr(`conveyor generate: ${error.message}`);
    }
    return 1;
  }
}

async function runWatch(options: GenerateCommandOptions, io: CommandIO): Promise<number> {
  let first = true;
  let started = performance.now();
  await watchGenerate({
    ...options,
    onResult(result, changed) {
      const ms = Math.round(performance.now() - started);
      if (options.json) {
        io.stdout(JSON.stringify({ ...toJson(result, 'write', ms), changed }));
      } else {
        if (!first) io.stdout(`Change in ${changed.join(', ') || 'task files'}; regenerating.`);
        printHuman(result, 'write', ms, io);
        if (first) io.stdout('Watching for changes (Ctrl-C to stop).');
      }
      first = false;
      started = performance.now();
    },
    onError(error) {
      const message = error instanceof Error ? error.message : String(error);
      if (options.json) io.stdout(JSON.stringify({ ok: false, mode: 'write', error: { message } }));
      else io.stderr(`conveyor generate: ${message}`);
    },
  });
  return 0;
}

function toJson(result: GenerateResult, mode: 'write' | 'check', durationMs: number) {
  return {
    ok: result.ok,
    mode,
    durationMs,
    tasks: result.tasks,
    schedules: result.schedules,
    files: result.files,
    diagnostics: result.diagnostics,
    warnings: result.warnings,
  };
}

function printHuman(
  result: GenerateResult,
  mode: 'write' | 'check',
  ms: number,
  io: CommandIO,
): void {
  for (const warning of result.warnings) io.stderr(`warning: ${warning}`);
  if (result.diagnostics.length > 0) {
    for (const diagnostic of result.diagnostics) io.stderr(formatDiagnostic(diagnostic));
    io.stderr(
      `${result.diagnostics.length} problem(s) in task files; ${mode === 'check' ? 'nothing was compared' : 'nothing was written'}.`,
    );
    return;
  }
  for (const file of result.files) io.stdout(`  ${file.status.padEnd(9)} ${file.path}`);
  const count = countText([
    [result.tasks.length, 'task'],
    [result.schedules.length, 'schedule'],
    [result.workflows.length, 'workflow'],
  ]);
  if (mode === 'write') {
    const written = result.files.filter((file) => file.status === 'written').length;
    io.stdout(
      `Generated ${count}: ${written} file(s) written, ${result.files.length - written} unchanged (${ms} ms).`,
    );
    return;
  }
  const stale = result.files.filter((file) => file.status === 'stale');
  if (stale.length === 0) {
    io.stdout(`Generated files are up to date (${count}, ${ms} ms).`);
  } else {
    io.stderr(
      `${stale.length} generated file(s) are stale: ${stale.map((file) => file.path).join(', ')}. Run \`conveyor generate\` and commit the result.`,
    );
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
