import { DEFAULT_QUEUE, type TaskRegistry } from '@conveyor/core';
import { baseQueueOf } from '@conveyor/core/transport';

/**
 * The shortest lease the worker accepts without a warning. A renewal has to reach the
 * broker before the lease runs out; below a second, a GC pause, a slow round trip or a
 * briefly busy event loop is enough to lose the lease of a job that is still running.
 */
export const MIN_SAFE_LEASE_MS = 1_000;

export interface StartupWarning {
  fields: Record<string, unknown>;
  message: string;
}

/**
 * Option values that work but will likely hurt, each with what to do: the worker logs
 * them once, at start-up. A short lease, or a heartbeat that leaves no room for one late
 * renewal, lets leases of running jobs run out, and those jobs run again or are
 * dead-lettered as expired. A queue none of the tasks names holds only jobs of tasks this
 * worker does not have, and it dead-letters those as unknown.
 */
export function startupWarnings(options: {
  registry: TaskRegistry;
  queues: readonly string[];
  leaseMs: number;
  heartbeatMs: number;
}): StartupWarning[] {
  const { registry, queues, leaseMs, heartbeatMs } = options;
  const warnings: StartupWarning[] = [];
  if (leaseMs < MIN_SAFE_LEASE_MS) {
    warnings.push({
      fields: { leaseMs, heartbeatMs },
      message: `leaseMs ${leaseMs} is under ${MIN_SAFE_LEASE_MS} ms: a renewal that reaches the broker late (a GC pause, a slow round trip, a busy event loop) lets the lease run out while the job still runs, and the job runs again or is dead-lettered as expired. Use a few seconds or more (default 30000).`,
    });
  } else if (heartbeatMs > leaseMs / 2) {
    warnings.push({
      fields: { leaseMs, heartbeatMs },
      message: `heartbeatMs ${heartbeatMs} is more than half of leaseMs ${leaseMs}: one late or failed renewal loses the lease of a running job. Leave heartbeatMs out (leaseMs / 3).`,
    });
  }
  const named = new Set<string>();
  for (const name of registry.names()) named.add(registry.get(name)?.queue ?? DEFAULT_QUEUE);
  for (const queue of queues) {
    // A partition's jobs are its queue's: `emails~3of8` is named by a task of `emails`.
    if (named.has(baseQueueOf(queue))) continue;
    warnings.push({
      fields: { queue, taskQueues: [...named].sort() },
      message: `queue ${JSON.stringify(queue)} is named by none of this worker's tasks (they use ${[...named].sort().join(', ') || 'none'}): its jobs are of tasks this worker does not have, and it dead-letters them as unknown. Check the queue names, or the tasks module.`,
    });
  }
  return warnings;
}
