import { DEFAULT_QUEUE, type TaskRegistry } from '@conveyor/core';
import { baseQueueOf } from '@conveyor/core/transport';

/**
 * The stored queues among `queues` whose jobs this worker completes with removal: every
 * task that names the queue sets `removeOnComplete` (or leaves it to the worker's
 * `fallback`), and for a queue no task names (its jobs sent there with `{ queue }`), every
 * task does. The reserve's hint that such jobs need no record of their own while they run
 * (`ReserveRequest.removeOnComplete`; the Redis transport leaves them packed). Only a hint:
 * a job of another task on such a queue is stored as usual when it ends.
 */
export function queuesRemovingOnComplete(
  registry: TaskRegistry,
  queues: readonly string[],
  fallback: boolean,
): string[] {
  const byQueue = new Map<string, boolean>();
  let all = true;
  for (const name of registry.names()) {
    const task = registry.get(name);
    if (task === undefined) continue;
    const queue = task.queue ?? DEFAULT_QUEUE;
    const removes = task.removeOnComplete ?? fallback;
    byQueue.set(queue, (byQueue.get(queue) ?? true) && removes);
    all &&= removes;
  }
  return queues.filter((queue) => byQueue.get(baseQueueOf(queue)) ?? all);
}
