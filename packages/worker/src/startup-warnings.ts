import { DEFAULT_QUEUE, type TaskRegistry } from '@conveyor/core';
import { baseQueueOf, nearestName } from '@conveyor/core/transport';

/**
 * The margin, below which the worker warns, that a renewal has to reach the broker once
 * its heartbeat is due: `leaseMs - heartbeatMs`. Whatever delays a renewal (a GC pause, a
 * slow round trip, a busy event loop) eats into it, and past it the lease of a job that is
 * still running runs out; under a second, an ordinary delay is enough. A lease shorter than
 * a task's time limit is fine: the heartbeat renews it for as long as the run lasts.
 */
export const MIN_RENEWAL_MARGIN_MS = 1_000;

export interface StartupWarning {
  fields: Record<string, unknown>;
  message: string;
}

/**
 * Option values that work but will likely hurt, each with what to do: the worker logs
 * them once, at start-up. A lease that leaves a renewal under a second to arrive
 * ({@link MIN_RENEWAL_MARGIN_MS}), or a heartbeat that leaves no room for one failed renewal,
 * lets leases of running jobs run out, and those jobs run again or are dead-lettered as
 * expired. (A heartbeat at or past the lease never renews in time: `resolveWorkerOptions`
 * refuses it.) A queue none of the tasks names gets only jobs sent there with enqueue's
 * queue option (which run as usual) and jobs of tasks this worker lacks (dead-lettered as
 * unknown): most often a misspelled queue name.
 */
export function startupWarnings(options: {
  registry: TaskRegistry;
  queues: readonly string[];
  leaseMs: number;
  heartbeatMs: number;
}): StartupWarning[] {
  const { registry, queues, leaseMs, heartbeatMs } = options;
  const warnings: StartupWarning[] = [];
  const marginMs = leaseMs - heartbeatMs;
  const late =
    'a renewal that reaches the broker late (a GC pause, a slow round trip, a busy event loop) lets the lease run out while the job still runs, and the job runs again or is dead-lettered as expired.';
  if (leaseMs < MIN_RENEWAL_MARGIN_MS) {
    warnings.push({
      fields: { leaseMs, heartbeatMs },
      message: `leaseMs ${leaseMs} is under ${MIN_RENEWAL_MARGIN_MS} ms: ${late} Use a few seconds or more (default 30000).`,
    });
  } else if (heartbeatMs > leaseMs / 2) {
    // The heartbeat is what to change: a longer lease would not help.
    warnings.push({
      fields: { leaseMs, heartbeatMs },
      message: `heartbeatMs ${heartbeatMs} is more than half of leaseMs ${leaseMs}: one late or failed renewal loses the lease of a running job. Leave heartbeatMs out (leaseMs / 3).`,
    });
  } else if (marginMs < MIN_RENEWAL_MARGIN_MS) {
    // Only a lease under 2 s gets here: the lease is what to change.
    warnings.push({
      fields: { leaseMs, heartbeatMs, marginMs },
      message: `leaseMs ${leaseMs} leaves ${marginMs} ms between a heartbeat (heartbeatMs ${heartbeatMs}) and the end of the lease, under ${MIN_RENEWAL_MARGIN_MS} ms: ${late} Use a lease of a few seconds or more (default 30000), so that leaseMs - heartbeatMs is ${MIN_RENEWAL_MARGIN_MS} ms or more.`,
    });
  }
  const named = new Set<string>();
  for (const name of registry.names()) named.add(registry.get(name)?.queue ?? DEFAULT_QUEUE);
  for (const queue of queues) {
    // A partition's jobs are its queue's: `emails~3of8` is named by a task of `emails`.
    if (named.has(baseQueueOf(queue))) continue;
    // With the nearest task queue: a typo (`emials`) got no suggestion.
    const near = nearestName(queue, [...named].sort());
    warnings.push({
      fields: { queue, taskQueues: [...named].sort() },
      message: `queue ${JSON.stringify(queue)} is named by none of this worker's tasks (they use ${[...named].sort().join(', ') || 'none'}${near === undefined ? '' : `; did you mean ${near}?`}): only jobs sent there with enqueue's queue option run here, and a job there of a task this worker lacks is dead-lettered as unknown. Check the queue names, or the tasks module.`,
    });
  }
  return warnings;
}
