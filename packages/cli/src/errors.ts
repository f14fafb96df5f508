/**
 * Why a command failed, and the exit code it ends with. Scripts can rely on the codes:
 *
 * | code | exit | meaning |
 * | --- | --- | --- |
 * | `FAILED` | 1 | an unexpected error (a bug, or Redis failing mid-command) |
 * | `USAGE` | 2 | a bad option value, unknown command or missing argument (or a schedule id in two queues without `--queue`, a workflow's step job given to `retry`, or `pause` of a queue never seen without `--new`) |
 * | `REDIS_UNREACHABLE` | 3 | Redis (or the configured transport's broker) could not be reached |
 * | `NOT_FOUND` | 4 | no job (or schedule, or workflow) with that id |
 * | `REFUSED` | 5 | purge, `retry --all-dead` or `promote --all` not confirmed (answered no, or no TTY and no `--yes`) |
 * | `TASKS_LOAD_FAILED` | 6 | the task module could not be loaded or holds no tasks |
 * | `CONFLICT` | 7 | the job is not in a state the command applies to (retry of a job that is not dead, promote of one that is not delayed, cancel of a finished job; cancel of a workflow that is not running, retry of one that is not failed) |
 * | `REDIS_AUTH` | 8 | Redis refused the user and password (or needs one and none was given) |
 * | `CONFIG_INVALID` | 9 | the config file failed to load, or its `transport` is not a function that returns a transport |
 * | `CAPABILITY_MISSING` | 10 | the transport lacks an optional capability the command needs (`dead` needs `transport.admin`, `schedules` `transport.schedules`, `workflows` and a workflow's `inspect` `transport.workflows`, `workflows list --status failed` (or another ended status) its `ended()`) |
 * | `AUTH_REQUIRED` | 11 | `dashboard` was asked to serve a host other than loopback without `--auth` |
 *
 * `generate` exits 1 (`FAILED`) for diagnostics in the task files or stale files (`--check`),
 * 2 for a config file that is not there, 9 for one that fails to load or is invalid.
 */
export type CliErrorCode =
  | 'FAILED'
  | 'USAGE'
  | 'REDIS_UNREACHABLE'
  | 'NOT_FOUND'
  | 'REFUSED'
  | 'TASKS_LOAD_FAILED'
  | 'CONFLICT'
  | 'REDIS_AUTH'
  | 'CONFIG_INVALID'
  | 'CAPABILITY_MISSING'
  | 'AUTH_REQUIRED';

export const EXIT_CODES: Readonly<Record<CliErrorCode, number>> = {
  FAILED: 1,
  USAGE: 2,
  REDIS_UNREACHABLE: 3,
  NOT_FOUND: 4,
  REFUSED: 5,
  TASKS_LOAD_FAILED: 6,
  CONFLICT: 7,
  REDIS_AUTH: 8,
  CONFIG_INVALID: 9,
  CAPABILITY_MISSING: 10,
  AUTH_REQUIRED: 11,
};

/** A failure the CLI reports as one line on stderr, then exits with {@link EXIT_CODES}. */
export class CliError extends Error {
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliError';
    this.code = code;
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

/** A bad option value: quotes it and says what was expected. */
export function usageError(option: string, value: unknown, expected: string): CliError {
  return new CliError('USAGE', `Invalid ${option} ${JSON.stringify(value)}: expected ${expected}.`);
}
