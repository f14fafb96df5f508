import { InvalidOptionError, taskContract } from '@conveyor/core';
import { resolveTimeLimits } from '@conveyor/core/worker';
import type { ts } from 'ts-morph';
import type { Report } from './copy.js';
import type { TopLevelBinding } from './scope.js';
import { NotStatic, type StaticValue, staticValue } from './static-value.js';

/**
 * Any input: the options are checked here, not the schema (codegen copies that). A field
 * that `partitionBy` or `index` names is not looked for in it: defineTask checks that.
 */
const ANY_INPUT = {
  '~standard': {
    version: 1,
    vendor: 'conveyor-codegen',
    validate: (value: unknown) => ({ value }),
  },
} as const;

/**
 * False, with each problem reported as `INVALID_TASK_OPTION` at its option, when the task's
 * routing options as read (`priority`, `retry`, `resultTtl`, `index`) or a static `timeout`
 * break the rules `defineTask` enforces: `priority: 42` passed generate, was written into the
 * client, and made every producer that imported it throw as it loaded. A `timeout` codegen
 * cannot read is left to `defineTask` (the client does not need it); the queue options are
 * checked where they are read (queue-option.ts).
 */
export function checkTaskOptions(
  name: string,
  values: Readonly<Record<string, StaticValue>>,
  timeout: ts.Expression | undefined,
  bindings: ReadonlyMap<string, TopLevelBinding>,
  /** The node of an option of the task (`priority`), or of its config when it has none. */
  nodeOf: (option: string) => ts.Node,
  report: Report,
): boolean {
  const { queue: _queue, partitions: _partitions, partitionBy: _by, ...options } = values;
  const contract = () => taskContract({ name, input: ANY_INPUT, ...options } as never);
  const ok = passes(contract, nodeOf, report);
  if (timeout === undefined) return ok;
  let value: StaticValue;
  try {
    value = staticValue(timeout, bindings);
  } catch (error) {
    if (error instanceof NotStatic) return ok;
    throw error;
  }
  return passes(() => resolveTimeLimits(value as never, name), nodeOf, report) && ok;
}

/** Reports what `check` throws at the option its message names (`Invalid retry.attempts …`). */
function passes(
  check: () => unknown,
  nodeOf: (option: string) => ts.Node,
  report: Report,
): boolean {
  try {
    check();
    return true;
  } catch (error) {
    if (!(error instanceof InvalidOptionError)) throw error;
    const option = /^Invalid ([A-Za-z]+)/.exec(error.message)?.[1] ?? '';
    report(
      nodeOf(option),
      'INVALID_TASK_OPTION',
      `${error.message.replace(/\.$/, '')}; defineTask would throw this when the task module loads.`,
      'Change the value as the message says: the client and the registry are written only when every task passes.',
    );
    return false;
  }
}
