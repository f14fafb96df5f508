import { InvalidOptionError, type TaskRegistry } from '@conveyor/core';
import { assertKnownKeys } from '@conveyor/core/transport';
import { SANDBOX_OPTION_KEYS } from './option-keys.js';
import { duration } from './option-values.js';
import type { ResolvedWorkerOptions, SandboxOptions } from './options.js';
import { moduleUrl } from './task-module.js';

/**
 * A child's start-up bound: generous, since children that load TypeScript through tsx have
 * taken over 20 s to start on a busy 2-core machine.
 */
const DEFAULT_START_TIMEOUT_MS = 60_000;

/**
 * createWorker's `sandbox` option, checked: the module children load, their Node flags, and
 * which tasks run there. Tasks marked `sandbox: true` need it; without one that is an error.
 */
export function resolveSandbox(
  options: SandboxOptions | undefined,
  registry: TaskRegistry,
): ResolvedWorkerOptions['sandbox'] {
  const marked = registry.names().filter((name) => registry.get(name)?.sandbox === true);
  if (options === undefined) {
    if (marked.length === 0) return undefined;
    throw new InvalidOptionError(
      'sandbox',
      undefined,
      `{ module } naming the module that exports ${marked.map((name) => JSON.stringify(name)).join(', ')} (defined with sandbox: true), so that a child process can load it`,
    );
  }
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError(
      'sandbox',
      options,
      '{ module, tasks?, execArgv?, startTimeoutMs? }',
    );
  }
  assertKnownKeys(options, SANDBOX_OPTION_KEYS, 'sandbox option');
  const { module, tasks = 'marked', execArgv = process.execArgv } = options;
  if (!(module instanceof URL) && (typeof module !== 'string' || module.length === 0)) {
    throw new InvalidOptionError('sandbox.module', module, 'a module path or file: URL');
  }
  if (tasks !== 'marked' && tasks !== 'all') {
    throw new InvalidOptionError('sandbox.tasks', tasks, '"marked" or "all"');
  }
  if (!Array.isArray(execArgv) || !execArgv.every((flag) => typeof flag === 'string')) {
    throw new InvalidOptionError('sandbox.execArgv', execArgv, 'a list of node flags');
  }
  return {
    module: moduleUrl(module),
    execArgv,
    tasks: new Set(tasks === 'all' ? registry.names() : marked),
    startTimeoutMs: duration(
      options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      'sandbox.startTimeoutMs',
      1,
    ),
  };
}
