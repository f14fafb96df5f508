import type { JobPage, JobRecord, JobWorkflowRef, QueueCounts } from '@conveyor/core';
import {
  baseQueueOf,
  encodeMergeCursor,
  mergeQueues,
  type ScanCursor,
  scanQueues,
} from '@conveyor/core/transport';
import type { DashboardCore, RequestContext } from '../context.js';
import { badRequest } from '../errors.js';
import { optionalString, pageLimit, storedQueueName } from '../http/params.js';
import type { Route } from '../http/router.js';
import { type JobSummary, toJobSummary } from '../job-view.js';
import { audit } from './audit.js';
import { decodeMergeCursor } from './queue-scan.js';
import { storedQueues } from './stored-queues.js';

/** Which dead jobs a list or bulk action is about; absent fields match everything. */
export interface DeadFilter {
  /** A queue (a partitioned one: all its partitions) or one partition (`emails~3of8`). */
  queue?: string;
  task?: string;
  /** The final error's code, e.g. `TIME_LIMIT_EXCEEDED`. */
  code?: string;
}

/** Bounds of the dead-letter scans. */
export const DEAD_LIMITS = {
  /** Most ids a preview returns, and a bulk action takes. */
  ids: 10_000,
  /** Most dead jobs a preview reads before it stops (a filter by code scans). */
  scan: 50_000,
  /** Transport calls one page of `GET /api/dead` may make after one per queue it reads. */
  callsPerPage: 20,
} as const;

const SCAN_PAGE = 500;
const GET_CHUNK = 200;

const FILTER_KEYS = ['queue', 'task', 'code'] as const;
const BULK_KEYS = ['ids', 'filter'] as const;

function refuseUnknownKeys(
  raw: Record<string, unknown>,
  known: readonly string[],
  what: string,
): void {
  const unknown = Object.keys(raw).find((key) => !known.includes(key));
  if (unknown !== undefined) throw badRequest(what, unknown, `one of ${known.join(', ')}`);
}

/** A filter: an object of known keys, or absent (every dead job). `null` is not absent. */
function parseFilter(value: unknown): DeadFilter {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest('filter', value, 'an object { queue?, task?, code? }');
  }
  const raw = value as Record<string, unknown>;
  // A key it does not know would widen the filter to every dead job without a word.
  refuseUnknownKeys(raw, FILTER_KEYS, 'filter key');
  const filter: DeadFilter = {};
  if (raw.queue !== undefined && raw.queue !== null && raw.queue !== '')
    filter.queue = storedQueueName(raw.queue, 'filter.queue');
  const task = optionalString(raw.task, 'filter.task');
  if (task !== undefined) filter.task = task;
  const code = optionalString(raw.code, 'filter.code');
  if (code !== undefined) filter.code = code;
  return filter;
}

function matchesFilter(record: JobRecord, filter: DeadFilter): boolean {
  return (
    (filter.queue === undefined ||
      record.envelope.queue === filter.queue ||
      baseQueueOf(record.envelope.queue) === filter.queue) &&
    (filter.task === undefined || record.envelope.task === filter.task) &&
    (filter.code === undefined || record.error?.code === filter.code)
  );
}

/** The stored queues a filter covers: every queue, or a queue's partitions, or one. */
function filterQueues(core: DashboardCore, filter: DeadFilter): Promise<string[]> {
  return filter.queue === undefined ? core.admin.listQueues() : storedQueues(core, filter.queue);
}

/** The queues a filter covers that hold dead jobs, with their counts (`paused` too): two calls. */
async function deadQueues(
  core: DashboardCore,
  filter: DeadFilter,
  names?: readonly string[],
): Promise<Map<string, QueueCounts>> {
  names ??= await filterQueues(core, filter);
  const counts = names.length === 0 ? [] : await core.admin.queueCounts(names);
  return new Map(counts.filter((count) => count.dead > 0).map((count) => [count.queue, count]));
}

/**
 * Reads dead jobs across queues in name order (a partitioned queue's partitions in
 * partition order), each queue newest first, calling `take` for each page until it returns
 * false or the queues run out (the preview, whose ids need no order). Returns where it
 * stopped, undefined at the end.
 */
async function scanDead(
  core: DashboardCore,
  queues: readonly string[],
  filter: DeadFilter,
  pageSize: () => number,
  take: (matched: JobRecord[], read: number) => boolean,
): Promise<ScanCursor | undefined> {
  return scanQueues(
    queues,
    undefined,
    (queue, cursor) =>
      core.admin.listJobs(queue, { state: 'dead', cursor, limit: pageSize(), task: filter.task }),
    (jobs) =>
      take(
        jobs.filter((job) => matchesFilter(job, filter)),
        jobs.length,
      ),
  );
}

/**
 * A row of the dead list: the job's summary and, for a workflow step job, the workflow and
 * step it runs. Its row links to that workflow instead of offering Retry, which refuses it.
 */
function deadRow(record: JobRecord): JobSummary & { workflow?: JobWorkflowRef } {
  const summary = toJobSummary(record);
  const step = record.envelope.workflow;
  return step ? { ...summary, workflow: step } : summary;
}

function parseIds(value: unknown): string[] {
  if (
    !Array.isArray(value) ||
    value.length > DEAD_LIMITS.ids ||
    !value.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 256)
  ) {
    throw badRequest(
      'ids',
      Array.isArray(value) ? `[${value.length} items]` : value,
      `an array of at most ${DEAD_LIMITS.ids} job ids (from POST api/dead/preview)`,
    );
  }
  return [...new Set(value as string[])];
}

/**
 * Retries or purges the given dead jobs that still match the filter; ids no longer dead
 * (or never matching) are skipped, so repeating the call affects nothing. A retry skips
 * workflow step jobs too, counted in `stepJobs`: their workflows recorded the steps'
 * outcomes, so a worker would acknowledge them unrun; a workflow's retry runs them again.
 */
async function bulk(
  core: DashboardCore,
  context: RequestContext,
  action: 'retry' | 'purge',
): Promise<{ affected: number; skipped: number; stepJobs?: number }> {
  const body = (await context.readJson()) as Record<string, unknown>;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('body', body, '{ ids: string[], filter: { queue?, task?, code? } }');
  }
  refuseUnknownKeys(body, BULK_KEYS, 'body key');
  const ids = parseIds(body.ids);
  const filter = parseFilter(body.filter);
  const byQueue = new Map<string, string[]>();
  let stepJobs = 0;
  for (let start = 0; start < ids.length; start += GET_CHUNK) {
    const records = await Promise.all(
      ids.slice(start, start + GET_CHUNK).map((id) => core.transport.getJob(id)),
    );
    for (const record of records) {
      if (record === null || record.state !== 'dead' || !matchesFilter(record, filter)) continue;
      if (action === 'retry' && record.envelope.workflow) {
        stepJobs++;
        continue;
      }
      const queue = record.envelope.queue;
      const list = byQueue.get(queue) ?? [];
      list.push(record.id);
      byQueue.set(queue, list);
    }
  }
  let affected = 0;
  for (const [queue, own] of byQueue) {
    affected +=
      action === 'retry'
        ? await core.admin.retryDead(queue, own)
        : await core.admin.purgeDead(queue, own);
  }
  const queues = [...byQueue.keys()];
  // jobIds lists the entry on each acted-on job's page too; the log's copy keeps the first
  // 100 of them (AUDIT_LIMITS.jobIdsKept) and their count, so the detail needs no ids.
  await audit(core, context, {
    action: `dead.${action}`,
    ...(queues.length === 1 ? { queue: queues[0] } : filter.queue ? { queue: filter.queue } : {}),
    jobIds: [...byQueue.values()].flat(),
    detail: {
      filter: { ...filter },
      requested: ids.length,
      affected,
    },
  });
  return { affected, skipped: ids.length - affected, ...(stepJobs > 0 ? { stepJobs } : {}) };
}

export function deadRoutes(core: DashboardCore): Route<RequestContext>[] {
  return [
    {
      method: 'GET',
      path: '/api/dead',
      async handle({ url }) {
        const query = url.searchParams;
        const filter = parseFilter({
          queue: query.get('queue') ?? undefined,
          task: query.get('task') ?? undefined,
          code: query.get('code') ?? undefined,
        });
        const limit = pageLimit(query.get('limit'));
        const cursorText = optionalString(query.get('cursor'), 'cursor', 4_096);
        // Newest first across the queues, as a queue's own list (core's mergeQueues). The
        // cursor names queues by their place among those the filter covers.
        const names = await filterQueues(core, filter);
        const from = cursorText === undefined ? undefined : decodeMergeCursor(cursorText, names);
        const holding =
          from === undefined ? [...(await deadQueues(core, filter, names)).keys()] : [];
        const merged = await mergeQueues(holding, from, {
          state: 'dead',
          limit,
          maxRefills: DEAD_LIMITS.callsPerPage,
          read: async (queue, cursor, size): Promise<JobPage> => {
            const page = await core.admin.listJobs(queue, {
              state: 'dead',
              cursor,
              limit: size,
              task: filter.task,
            });
            const jobs = page.jobs.filter((job) => matchesFilter(job, filter));
            return page.next === undefined ? { jobs } : { jobs, next: page.next };
          },
        });
        return {
          jobs: merged.jobs.map(deadRow),
          next: merged.next === undefined ? null : encodeMergeCursor(merged.next, names),
        };
      },
    },
    {
      method: 'POST',
      path: '/api/dead/preview',
      async handle(context) {
        const filter = parseFilter(await context.readJson());
        const queues = await deadQueues(core, filter);
        const ids: string[] = [];
        // Of the ids: workflow step jobs, which a retry leaves dead (their workflows retry
        // them), and the paused queues the others would wait in once retried.
        let stepJobs = 0;
        const paused = new Set<string>();
        let scanned = 0;
        const stoppedAt = await scanDead(
          core,
          [...queues.keys()],
          filter,
          () => Math.min(SCAN_PAGE, DEAD_LIMITS.ids - ids.length),
          (page, read) => {
            scanned += read;
            for (const job of page) {
              ids.push(job.id);
              if (job.envelope.workflow) stepJobs++;
              else if (queues.get(job.envelope.queue)?.paused) paused.add(job.envelope.queue);
            }
            return ids.length < DEAD_LIMITS.ids && scanned < DEAD_LIMITS.scan;
          },
        );
        const truncated = stoppedAt !== undefined;
        let count = ids.length;
        if (truncated && filter.task === undefined && filter.code === undefined) {
          // Unfiltered within queues: the counts are exact.
          count = [...queues.values()].reduce((sum, counts) => sum + counts.dead, 0);
        }
        return { count, ids, truncated, stepJobs, paused: [...paused].sort() };
      },
    },
    {
      method: 'POST',
      path: '/api/dead/retry',
      handle: (context) => bulk(core, context, 'retry'),
    },
    {
      method: 'POST',
      path: '/api/dead/purge',
      handle: (context) => bulk(core, context, 'purge'),
    },
  ];
}
