/**
 * @conveyor/cli: the `conveyor` command (`worker`, `status`, `inspect`, `retry`, `dead`,
 * `cancel`, `purge`, `dashboard`, `generate`), also callable from code.
 *
 * @example
 * import { runCli } from '@conveyor/cli';
 * process.exitCode = await runCli(['status', '--json']);
 */
export { CliError, type CliErrorCode, EXIT_CODES } from './errors.js';
export type { Io } from './output.js';
export { processIo, runCli } from './run.js';
