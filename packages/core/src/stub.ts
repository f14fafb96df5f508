import type { EnqueueManyOptions, EnqueueOptions } from './call-options.js';
import { assertTask } from './call-options.js';
import type { Client } from './client.js';
import { InvalidOptionError } from './errors.js';
import type { JobHandle } from './job-handle.js';
import type { AnyTaskContract, TaskInput, TaskResult } from './task.js';

/** Celery-style calls for one task: `sendWelcomeEmail.delay({ … })`. */
export interface TaskStub<T extends AnyTaskContract> {
  readonly name: T['name'];
  readonly contract: T;
  /** Enqueues with the task's defaults (Celery's `.delay()`). */
  delay(input: TaskInput<T>): Promise<JobHandle<TaskResult<T>>>;
  /** Enqueues with per-call options (Celery's `.apply_async()`). */
  enqueue(input: TaskInput<T>, options?: EnqueueOptions): Promise<JobHandle<TaskResult<T>>>;
  /**
   * Enqueues many in one round trip per batch; `idempotencyKey` may be a function, giving
   * each input its own key.
   */
  enqueueMany(
    inputs: readonly TaskInput<T>[],
    options?: EnqueueManyOptions<TaskInput<T>>,
  ): Promise<JobHandle<TaskResult<T>>[]>;
}

/**
 * Binds a task (or a codegen contract) to a client. Pass a function to resolve the
 * client lazily, at the first call: generated modules do this so that importing them
 * opens no connection.
 *
 * @example
 * const sendWelcomeEmail = bindTask(client, sendWelcomeEmailContract);
 * const job = await sendWelcomeEmail.delay({ email: 'ada@example.com', name: 'Ada' });
 */
export function bindTask<T extends AnyTaskContract>(
  client: Client | (() => Client),
  contract: T,
): TaskStub<T> {
  assertTask(contract, 'task to bind');
  const resolve = typeof client === 'function' ? client : () => client;
  return {
    name: contract.name,
    contract,
    // JavaScript (or `as any`) can pass options here, which the types refuse: said, not
    // dropped, since the job would otherwise run at once, at the task's priority.
    delay: (input, ...extra: unknown[]) =>
      extra[0] === undefined
        ? resolve().enqueue(contract, input)
        : Promise.reject(
            new InvalidOptionError(
              `options of ${contract.name}.delay()`,
              extra[0],
              "none: .delay(input) takes the input only (Celery's delay); pass options with .enqueue(input, options) (Celery's apply_async)",
            ),
          ),
    enqueue: (input, options) => resolve().enqueue(contract, input, options),
    enqueueMany: (inputs, options) => resolve().enqueueMany(contract, inputs, options),
  };
}
