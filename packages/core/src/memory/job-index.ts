import { InvalidOptionError } from '../errors.js';
import type { JobRecord } from '../transport.js';
import {
  INDEX_LIMITS,
  type IndexEntry,
  type IndexedField,
  type IndexSearch,
  type JobPage,
} from '../transport-admin.js';
import { createSchedule, type ScheduleEntry } from './schedule.js';

/** A job as the index refers to it: its id and its store stamp (newer jobs, higher). */
interface Posting {
  readonly id: string;
  readonly added: number;
}

/** The jobs of one (queue, task, field, value), oldest first, and when it expires. */
interface Postings {
  readonly jobs: Posting[];
  expiry: ScheduleEntry<string>;
}

/** One (queue, task, field) some job was indexed by, and when it expires. */
interface FieldUse {
  readonly field: IndexedField;
  expiry: ScheduleEntry<string>;
}

/**
 * The memory transport's input-field index [A11]: per (queue, task, field, value) the
 * newest `INDEX_LIMITS.perValue` jobs, and per queue the (task, field) pairs in use. Each
 * expires `INDEX_LIMITS.ttlMs` after its last write. Jobs whose records are gone stay
 * listed until then, and the search skips them.
 */
export interface JobIndex {
  /** Indexes a new job by its entries. */
  add(queue: string, task: string, entries: readonly IndexEntry[], job: Posting, now: number): void;
  /** Forgets what expired by `now`. */
  sweep(now: number): void;
  /** Jobs of the search's (task, field, value), newest first; `record` finds a live job's record. */
  find(
    queue: string,
    search: IndexSearch & { limit: number },
    record: (id: string) => JobRecord | undefined,
  ): JobPage;
  /** The (task, field) pairs of the queue, sorted by task then field. */
  fields(queue: string): IndexedField[];
}

export function createJobIndex(): JobIndex {
  const postings = new Map<string, Postings>();
  const fields = new Map<string, Map<string, FieldUse>>();
  // Values are keys of `postings`, or `queue` + NUL + a key of that queue's `fields`.
  const expiries = createSchedule<string>();

  const valueKey = (queue: string, task: string, field: string, value: string) =>
    JSON.stringify([queue, task, field, value]);

  function useField(queue: string, task: string, field: string, expiresAt: number): void {
    let uses = fields.get(queue);
    if (!uses) {
      uses = new Map();
      fields.set(queue, uses);
    }
    const key = JSON.stringify([task, field]);
    const use = uses.get(key);
    if (use) {
      expiries.remove(use.expiry);
      use.expiry = expiries.add(`${queue}\0${key}`, expiresAt);
    } else {
      uses.set(key, {
        field: { task, field },
        expiry: expiries.add(`${queue}\0${key}`, expiresAt),
      });
    }
  }

  return {
    add(queue, task, entries, job, now) {
      const expiresAt = now + INDEX_LIMITS.ttlMs;
      for (const { field, value } of entries) {
        const key = valueKey(queue, task, field, value);
        const list = postings.get(key);
        if (list) {
          list.jobs.push(job);
          if (list.jobs.length > INDEX_LIMITS.perValue) list.jobs.shift();
          expiries.remove(list.expiry);
          list.expiry = expiries.add(key, expiresAt);
        } else {
          postings.set(key, { jobs: [job], expiry: expiries.add(key, expiresAt) });
        }
        useField(queue, task, field, expiresAt);
      }
    },

    sweep(now) {
      for (let next = expiries.peek(); next && next.dueAt <= now; next = expiries.peek()) {
        expiries.pop();
        const split = next.value.indexOf('\0');
        if (split < 0) {
          postings.delete(next.value);
        } else {
          const queue = next.value.slice(0, split);
          const uses = fields.get(queue);
          uses?.delete(next.value.slice(split + 1));
          if (uses?.size === 0) fields.delete(queue);
        }
      }
    },

    find(queue, { task, field, value, cursor, limit }, record) {
      const jobs = postings.get(valueKey(queue, task, field, value))?.jobs ?? [];
      const before = cursor === undefined ? Number.POSITIVE_INFINITY : parseCursor(cursor);
      const page: JobRecord[] = [];
      let last: Posting | undefined;
      for (let index = jobs.length - 1; index >= 0; index--) {
        const posting = jobs[index] as Posting;
        if (posting.added >= before) continue;
        const found = record(posting.id);
        if (!found) continue;
        if (page.length === limit) return { jobs: page, next: String(last?.added) };
        page.push(structuredClone(found));
        last = posting;
      }
      return { jobs: page };
    },

    fields(queue) {
      const uses = [...(fields.get(queue)?.values() ?? [])].map((use) => ({ ...use.field }));
      return uses.sort((a, b) => compare(a.task, b.task) || compare(a.field, b.field));
    },
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function parseCursor(cursor: string): number {
  if (!/^\d{1,16}$/.test(cursor)) {
    throw new InvalidOptionError(
      'cursor',
      cursor,
      "the `next` of a previous page of this transport's findByIndex",
    );
  }
  return Number(cursor);
}
