import { BenchUsageError } from '../args.js';
import type { BenchCase } from '../case-types.js';
import type { Sizes } from '../plan.js';
import { clusterOneSlot, clusterPartitioned } from './cluster.js';
import { dashboard } from './dashboard.js';
import { delayed } from './delayed.js';
import { enqueueBulk, enqueueSingle } from './enqueue.js';
import { flow } from './flow.js';
import { latency } from './latency.js';
import { memory } from './memory.js';
import {
  depthDeep,
  depthShallow,
  processC1,
  processC50,
  retryHeavy,
  scaleOut,
} from './processing.js';
import { schedules } from './schedules.js';

/**
 * Every case, in the issue's order (scale-out has one case per process count), then the
 * dashboard's (issue 16, Conveyor only), the schedules' (issue 17, Conveyor and BullMQ) and
 * the flow's (issue 18, Conveyor and BullMQ) and the cluster's (issue 19: one queue on a
 * local 3-master Redis Cluster, in one slot and in 3 partitions).
 */
export function allCases(sizes: Sizes): BenchCase[] {
  return [
    enqueueSingle,
    enqueueBulk,
    processC1,
    processC50,
    latency,
    memory,
    depthShallow,
    depthDeep,
    delayed,
    retryHeavy,
    ...sizes.scaleProcesses.map(scaleOut),
    dashboard,
    schedules,
    flow,
    clusterOneSlot,
    clusterPartitioned,
  ];
}

/**
 * Keeps the cases a `--cases` filter names: ids (`process-c50`), id prefixes (`process`,
 * `scale`) or issue numbers (`3`). Throws on a filter that matches nothing.
 */
export function selectCases(cases: readonly BenchCase[], filter: readonly string[]): BenchCase[] {
  if (filter.length === 0) return [...cases];
  for (const term of filter) {
    if (!cases.some((c) => matches(c, term))) {
      throw new BenchUsageError(
        `--cases "${term}" matches no case. Known: ${cases.map((c) => c.id).join(', ')} (or a case number 1–13)`,
      );
    }
  }
  return cases.filter((c) => filter.some((term) => matches(c, term)));
}

function matches(c: BenchCase, term: string): boolean {
  return c.id === term || c.id.startsWith(`${term}-`) || String(c.group) === term;
}
