import type { JobRecord, TransportAdmin } from '@conveyor/core';
import { NAMED_IN_LINE } from '../output.js';

// Reading a queue's dead-letter set for `conveyor retry --all-dead`, and tallying what a
// retry leaves dead.

/**
 * Dead jobs read per call: `listJobs`' largest page [A10]. A run holds one page of records
 * at a time, however many jobs are dead.
 */
export const DEAD_PAGE = 500;
/**
 * A queue's dead-letter set a page at a time, newest first, through `listJobs`' cursor: a
 * position in the set's order, not an offset [A10], so jobs that leave the set meanwhile
 * make no page skip or repeat a job. Jobs dead-lettered after the first page sort before it
 * and are not read, so a job retried here that dies again is not read (nor retried) twice.
 */
export async function* deadPages(
  admin: TransportAdmin,
  queue: string,
): AsyncGenerator<JobRecord[]> {
  let cursor: string | undefined;
  do {
    const page = await admin.listJobs(queue, {
      state: 'dead',
      limit: DEAD_PAGE,
      ...(cursor === undefined ? {} : { cursor }),
    });
    // A page may come back short, or empty, with a cursor: read on until there is none.
    if (page.jobs.length > 0) yield page.jobs;
    cursor = page.next;
  } while (cursor !== undefined);
}

/**
 * The workflow step jobs a retry leaves dead: how many, and their workflows, each once, in
 * the order their oldest step job died (pages run newest first: a workflow seen again
 * moves to the end, and {@link StepJobs.workflows} reads the set backwards). Holds one id
 * per workflow, not per job.
 */
export class StepJobs {
  count = 0;
  readonly #seen = new Set<string>();

  add(workflow: string): void {
    this.count++;
    this.#seen.delete(workflow);
    this.#seen.add(workflow);
  }

  workflows(): string[] {
    return [...this.#seen].reverse();
  }
}

/**
 * The dead jobs a retry leaves dead because this CLI cannot read them ({@link isUnreadable}:
 * a newer job format version, a hash not written by Conveyor): how many, and the first ids.
 * A worker that reads them as this CLI does would only dead-letter them again.
 */
export class UnreadableJobs {
  count = 0;
  readonly ids: string[] = [];

  add(id: string): void {
    this.count++;
    if (this.ids.length < NAMED_IN_LINE) this.ids.push(id);
  }

  addAll(other: UnreadableJobs): void {
    for (const id of other.ids) if (this.ids.length < NAMED_IN_LINE) this.ids.push(id);
    this.count += other.count;
  }
}
