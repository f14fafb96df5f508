import { DEFAULT_QUEUE, InvalidOptionError, type TaskRegistry } from '@conveyor/core';
import {
  baseQueueOf,
  checkPartitionCounts,
  isQueueName,
  isStoredQueueName,
  parsePartitionName,
  partitionNames,
  routeOf,
  storedQueueNameRule,
} from '@conveyor/core/transport';
import type { WorkflowCatalog } from './workflow/catalog.js';

/**
 * A worker's partitioned queues (docs/partitions.md): the partition count of each queue,
 * from its tasks' `queue: { partitions }` and `createWorker({ partitions })`, checked to
 * agree, and the stored names the worker reserves from.
 */
export interface WorkerPartitions {
  /** Partition count per queue name, for every queue with more than one (and the option's). */
  readonly counts: Readonly<Record<string, number>>;
  /** The stored names to reserve from: each partitioned queue expanded into its partitions. */
  readonly storedQueues: readonly string[];
}

/**
 * Works out the counts and the stored queues. Throws {@link InvalidOptionError} when two
 * tasks, or a task and the option, disagree on a queue's count, when a task on a queue
 * another task partitions declares nothing (its producers would write to the plain queue),
 * when `queues` names something that is neither a queue nor a partition, and when a workflow's plan routes a
 * step to a queue the worker partitions by the option only (the plan cannot know).
 */
export function resolvePartitions(options: {
  registry: TaskRegistry;
  partitions: unknown;
  queues: readonly string[];
  workflows: WorkflowCatalog;
}): WorkerPartitions {
  const configured = checkPartitionCounts(options.partitions, 'partitions');
  const counts: Record<string, number> = { ...configured };
  /** The task that set each queue's count, for messages. */
  const declaredBy = new Map<string, string>();
  const tasks = options.registry.names().map((name) => options.registry.get(name));
  for (const task of tasks) {
    if (task === undefined || task.partitions === undefined) continue;
    const route = routeOf(task, configured);
    const earlier = declaredBy.get(route.queue);
    if (earlier !== undefined && counts[route.queue] !== route.partitions) {
      throw new InvalidOptionError(
        `partitions of task ${JSON.stringify(task.name)}`,
        route.partitions,
        `${counts[route.queue]}, as task ${JSON.stringify(earlier)} declares for queue ${JSON.stringify(route.queue)}: the tasks of one queue share its partitions, so make them equal`,
      );
    }
    declaredBy.set(route.queue, task.name);
    counts[route.queue] = route.partitions;
  }
  for (const task of tasks) {
    if (task === undefined || task.partitions !== undefined) continue;
    const queue = task.queue ?? DEFAULT_QUEUE;
    const by = declaredBy.get(queue);
    if (by !== undefined && configured[queue] === undefined && (counts[queue] ?? 1) > 1) {
      throw new InvalidOptionError(
        `queue of task ${JSON.stringify(task.name)}`,
        queue,
        `queue: { name: ${JSON.stringify(queue)}, partitions: ${counts[queue]} }, as task ${JSON.stringify(by)} declares: its producers would otherwise enqueue to the unpartitioned queue, which no worker of this queue reads. Declare the partitions on every task of the queue (or in createWorker({ partitions }) and createClient({ partitions }))`,
      );
    }
  }
  for (const name of options.workflows.names()) {
    const plan = options.workflows.get(name)?.plan;
    const steps = [
      ...(plan?.stages.flatMap((stage) => stage.steps) ?? []),
      ...(plan?.compensations ?? []),
    ];
    for (const step of steps) {
      const count = counts[baseQueueOf(step.queue)] ?? 1;
      if (count > 1 && parsePartitionName(step.queue)?.partitions !== count) {
        throw new InvalidOptionError(
          `queue of step ${JSON.stringify(step.name)} of workflow ${JSON.stringify(name)}`,
          step.queue,
          `a partition of ${count}, as this worker partitions queue ${JSON.stringify(baseQueueOf(step.queue))}: a workflow's plan routes by what its step's task declares, so declare the partitions on task ${JSON.stringify(step.task)} (queue: { name, partitions: ${count} })`,
        );
      }
    }
  }
  const stored: string[] = [];
  for (const queue of options.queues) stored.push(...storedNamesOf(queue, counts));
  return { counts: Object.freeze(counts), storedQueues: [...new Set(stored)] };
}

/**
 * A `queues` entry's stored names: a queue's partitions, or one stored name given outright
 * (a partition, of any count: a worker draining the partitions of a count being replaced
 * names them, docs/partitions.md). A partitioned queue's plain stored queue comes last: it
 * holds the jobs enqueued before the queue was partitioned, their retries, and dead jobs of
 * theirs retried later, which would otherwise never run. While it is empty a waiting reserve
 * skips it like any quiet partition.
 */
function storedNamesOf(queue: string, counts: Readonly<Record<string, number>>): string[] {
  if (isQueueName(queue)) {
    const count = counts[queue] ?? 1;
    return count > 1 ? [...partitionNames(queue, count), queue] : [queue];
  }
  if (!isStoredQueueName(queue)) {
    throw new InvalidOptionError('queue', queue, storedQueueNameRule(queue));
  }
  return [queue];
}
