import { InvalidOptionError } from '../errors.js';
import type { JobRecord } from '../transport.js';
import {
  isEndedListState,
  type JobListState,
  type JobPage,
  type ListJobsOptions,
} from '../transport-admin.js';
import type { JobStore, StoredJob } from './job-store.js';

/**
 * A job's place in a `listJobs` page, newest first [A10]: a primary key (priority, due
 * time, lease deadline or finish time) and the store's move stamp to break ties. Both
 * only grow for newer jobs, so a cursor holding the last job's key stays valid however
 * many jobs come and go between pages.
 */
interface ListKey {
  primary: number;
  moved: number;
}

/** The sort key of a job listed in `state`, or undefined when it is not in that state. */
function keyOf({ record, moved }: StoredJob, state: JobListState): ListKey | undefined {
  switch (state) {
    case 'waiting':
      return record.state === 'waiting' ? { primary: record.envelope.priority, moved } : undefined;
    case 'delayed':
      return record.state === 'delayed' ? { primary: record.dueAt ?? 0, moved } : undefined;
    case 'active':
      return record.state === 'active' ? { primary: record.leaseExpiresAt ?? 0, moved } : undefined;
    case 'dead':
      return record.state === 'dead' ? { primary: record.finishedAt ?? 0, moved } : undefined;
    case 'finished':
      return isEndedListState(record.state)
        ? { primary: record.finishedAt ?? 0, moved }
        : undefined;
    default:
      // One final state of the finished ones.
      return record.state === state ? { primary: record.finishedAt ?? 0, moved } : undefined;
  }
}

/** True when `a` comes before `b` on a page: newer first. */
function newer(a: ListKey, b: ListKey): boolean {
  return a.primary > b.primary || (a.primary === b.primary && a.moved > b.moved);
}

/**
 * A page of a queue's jobs in one state, newest first [A10]. Walks every stored job and
 * sorts the ones after the cursor: fine for the tests and demos this transport serves.
 */
export function listJobs(
  store: JobStore,
  queue: string,
  options: ListJobsOptions & { limit: number },
): JobPage {
  const { state, task, limit } = options;
  const after = options.cursor === undefined ? undefined : parseCursor(options.cursor);
  const found: Array<{ job: StoredJob; key: ListKey }> = [];
  for (const job of store.jobs()) {
    const { envelope } = job.record;
    if (envelope.queue !== queue || (task !== undefined && envelope.task !== task)) continue;
    const key = keyOf(job, state);
    if (key && (after === undefined || newer(after, key))) found.push({ job, key });
  }
  found.sort((a, b) => (newer(a.key, b.key) ? -1 : newer(b.key, a.key) ? 1 : 0));
  const page = found.slice(0, limit);
  const jobs: JobRecord[] = page.map(({ job }) => structuredClone(job.record));
  const last = page[page.length - 1];
  return found.length > limit && last ? { jobs, next: cursorOf(last.key) } : { jobs };
}

function cursorOf({ primary, moved }: ListKey): string {
  return `${primary}:${moved}`;
}

function parseCursor(cursor: string): ListKey {
  const match = /^(-?\d{1,16}):(-?\d{1,16})$/.exec(cursor);
  if (!match) {
    throw new InvalidOptionError(
      'cursor',
      cursor,
      "the `next` of a previous page of this transport's listJobs",
    );
  }
  return { primary: Number(match[1]), moved: Number(match[2]) };
}
