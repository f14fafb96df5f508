import type { JobPage, JobRecord, QueueCounts } from '@conveyor/core';
import {
  baseQueueOf,
  encodeScanCursor,
  groupStoredQueues,
  mergeJobPages,
  scanQueues,
} from '@conveyor/core/transport';
import type { DashboardCore, RequestContext } from '../context.js';
import { DashboardError } from '../errors.js';
import {
  indexValue,
  listState,
  optionalString,
  pageLimit,
  storedQueueName,
} from '../http/params.js';
import type { Route } from '../http/router.js';
import { type JobSummary, toJobSummary } from '../job-view.js';
import { decodeMergeCursor, decodeScanCursor } from './queue-scan.js';
import { storedQueues } from './stored-queues.js';
import { isStale } from './workers.js';

type Counts = { waiting: number; delayed: number; active: number; dead: number; finished: number };
type Totals = { completed: number; failed: number; retried: number };

/** One queue on the overview. */
export interface QueueOverview {
  name: string;
  counts: Counts;
  /** Since counting began; null without the `metrics` capability. */
  totals: Totals | null;
  /**
   * Paused [A13]: no worker takes its jobs until it is resumed. A partitioned queue is paused
   * when every partition is (each partition entry says its own). Absent when not paused.
   */
  paused?: true;
  /**
   * A partitioned queue's stored queues (`emails~0of8`, …, after a plain `emails` still
   * holding jobs from before), each with its own counts; `counts` and `totals` are their
   * sums. Absent for a plain queue.
   */
  partitions?: QueueOverview[];
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Transport calls one page of a partitioned queue's jobs may make. */
const CALLS_PER_PAGE = 20;

/** `GET /api/queues`, and the data of the event stream's `counts` events. */
export interface Overview {
  at: number;
  queues: QueueOverview[];
  workers: { live: number; stale: number };
}

/**
 * Whether a stored queue has held anything. Pausing a partitioned queue stores its plain
 * name (its workers read it), which is left out of the partitions listed while empty; the
 * queue's `paused` counts it all the same.
 */
function holdsAny({ counts, totals }: QueueOverview): boolean {
  const held = Object.values(counts).some((n) => n > 0);
  return held || (totals !== null && totals.completed + totals.failed + totals.retried > 0);
}

function addCounts(sum: Counts, add: Counts): Counts {
  return {
    waiting: sum.waiting + add.waiting,
    delayed: sum.delayed + add.delayed,
    active: sum.active + add.active,
    dead: sum.dead + add.dead,
    finished: sum.finished + add.finished,
  };
}

function addTotals(sum: Totals | null, add: Totals | null): Totals | null {
  if (sum === null || add === null) return sum ?? add;
  return {
    completed: sum.completed + add.completed,
    failed: sum.failed + add.failed,
    retried: sum.retried + add.retried,
  };
}

/**
 * Every queue's counts, totals and the worker tally: four transport calls whatever the
 * number of queues or jobs (listQueues, queueCounts, metrics.totals, listWorkers). A
 * partitioned queue is one entry, its partitions under it.
 */
export async function readOverview(core: DashboardCore): Promise<Overview> {
  const names = await core.admin.listQueues();
  const [counts, totals, workers] = await Promise.all([
    names.length === 0 ? [] : core.admin.queueCounts(names),
    core.metrics && names.length > 0 ? core.metrics.totals(names) : undefined,
    core.admin.listWorkers(),
  ]);
  const totalsByQueue = new Map<string, { completed: number; failed: number; retried: number }>();
  if (totals) {
    for (const row of totals) {
      const sum = totalsByQueue.get(row.queue) ?? { completed: 0, failed: 0, retried: 0 };
      sum.completed += row.completed;
      sum.failed += row.failed;
      sum.retried += row.retried;
      totalsByQueue.set(row.queue, sum);
    }
  }
  const now = core.now();
  const stale = workers.filter((worker) => isStale(worker, now)).length;
  const byName = new Map(counts.map((count) => [count.queue, count]));
  const stored = (name: string): QueueOverview => {
    const count: QueueCounts | undefined = byName.get(name);
    return {
      name,
      ...(count?.paused ? { paused: true as const } : {}),
      counts: {
        waiting: count?.waiting ?? 0,
        delayed: count?.delayed ?? 0,
        active: count?.active ?? 0,
        dead: count?.dead ?? 0,
        finished: count?.finished ?? 0,
      },
      totals: totals ? (totalsByQueue.get(name) ?? { completed: 0, failed: 0, retried: 0 }) : null,
    };
  };
  const empty: Counts = { waiting: 0, delayed: 0, active: 0, dead: 0, finished: 0 };
  return {
    at: now,
    queues: groupStoredQueues(names).map(({ queue, stored: names, partitioned }) => {
      if (!partitioned) return stored(queue);
      const partitions = names.map(stored);
      return {
        name: queue,
        ...(partitions.every((p) => p.paused) ? { paused: true as const } : {}),
        counts: partitions.reduce((sum, p) => addCounts(sum, p.counts), empty),
        totals: totals
          ? partitions.reduce<Totals | null>((sum, p) => addTotals(sum, p.totals), null)
          : null,
        partitions: partitions.filter((p) => p.name !== queue || holdsAny(p)),
      };
    }),
    workers: { live: workers.length - stale, stale },
  };
}

function page(result: JobPage): { jobs: JobSummary[]; next: string | null } {
  return { jobs: result.jobs.map(toJobSummary), next: result.next ?? null };
}

/**
 * A page of a partitioned queue's search results: its partitions one after the other (in
 * partition order, each newest first), at most {@link CALLS_PER_PAGE} transport calls. A page
 * may come back short, even empty, with a `next` where it stopped.
 */
async function partitionsPage(
  partitions: readonly string[],
  cursorText: string | undefined,
  limit: number,
  read: (queue: string, cursor: string | undefined, limit: number) => Promise<JobPage>,
): Promise<{ jobs: JobSummary[]; next: string | null }> {
  const jobs: JobRecord[] = [];
  let calls = 0;
  const next = await scanQueues(
    partitions,
    cursorText === undefined ? undefined : decodeScanCursor(cursorText),
    (queue, cursor) => read(queue, cursor, limit - jobs.length),
    (found) => {
      jobs.push(...found);
      calls++;
      return jobs.length < limit && calls < CALLS_PER_PAGE;
    },
  );
  return {
    jobs: jobs.map(toJobSummary),
    next: next === undefined ? null : encodeScanCursor(next),
  };
}

export function queueRoutes(core: DashboardCore): Route<RequestContext>[] {
  return [
    {
      method: 'GET',
      path: '/api/queues',
      handle: () => readOverview(core),
    },
    {
      method: 'GET',
      path: '/api/queues/:queue/jobs',
      async handle({ url }, params) {
        const queue = storedQueueName(params.queue);
        const query = url.searchParams;
        const task = optionalString(query.get('task'), 'task');
        const limit = pageLimit(query.get('limit'));
        const cursor = optionalString(query.get('cursor'), 'cursor', 4_096);
        const id = optionalString(query.get('id'), 'id');
        if (id !== undefined) {
          // One getJob: a job page's cost, whatever the queue's depth.
          const record: JobRecord | null = await core.transport.getJob(id);
          // On a partitioned queue's page, a job of any of its partitions.
          const found =
            record !== null &&
            (record.envelope.queue === queue || baseQueueOf(record.envelope.queue) === queue) &&
            (task === undefined || record.envelope.task === task);
          return { jobs: found ? [toJobSummary(record)] : [], next: null };
        }
        const field = optionalString(query.get('field'), 'field', 256);
        if (field !== undefined) {
          if (task === undefined) {
            throw new DashboardError(
              'BAD_REQUEST',
              `A search by field ${JSON.stringify(field)} needs the task whose index it is: add &task=<task name> (GET api/queues/${queue}/fields lists them).`,
            );
          }
          if (core.redactor.hides(field)) {
            throw new DashboardError(
              'REDACTED_FIELD',
              `Field ${JSON.stringify(field)} is redacted, so it cannot be searched: a search would tell its value.`,
            );
          }
          const value = indexValue(query.get('value'));
          const stored = await storedQueues(core, queue);
          if (stored.length === 1 && stored[0] === queue) {
            return page(await core.admin.findByIndex(queue, { task, field, value, cursor, limit }));
          }
          return partitionsPage(stored, cursor, limit, (name, inner, size) =>
            core.admin.findByIndex(name, { task, field, value, cursor: inner, limit: size }),
          );
        }
        const state = listState(query.get('state'));
        const stored = await storedQueues(core, queue);
        if (stored.length === 1 && stored[0] === queue) {
          return page(await core.admin.listJobs(queue, { state, cursor, limit, task }));
        }
        // Newest first across the partitions, as `conveyor jobs` lists them.
        const from = cursor === undefined ? undefined : decodeMergeCursor(cursor, stored);
        const merged = await mergeJobPages(core.admin, stored, from, {
          state,
          limit,
          maxRefills: CALLS_PER_PAGE,
          ...(task === undefined ? {} : { task }),
        });
        return { jobs: merged.jobs.map(toJobSummary), next: merged.next ?? null };
      },
    },
    {
      method: 'GET',
      path: '/api/queues/:queue/fields',
      async handle(_context, params) {
        const queue = storedQueueName(params.queue);
        // A partitioned queue's fields are those of any of its partitions.
        const lists = await Promise.all(
          (await storedQueues(core, queue)).map((name) => core.admin.indexedFields(name)),
        );
        const seen = new Set<string>();
        const fields = lists
          .flat()
          .filter(({ task, field }) => {
            const key = JSON.stringify([task, field]);
            if (seen.has(key)) return false;
            seen.add(key);
            return true;
          })
          .sort((a, b) => compareText(a.task, b.task) || compareText(a.field, b.field));
        return { fields: fields.filter(({ field }) => !core.redactor.hides(field)) };
      },
    },
  ];
}
