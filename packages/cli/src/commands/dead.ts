import type { DeadLetterPage, JobRecord, TransportAdmin } from '@conveyor/core';
import type { AdminConnection } from '../connection.js';
import { type FollowUp, followUp as noFlags } from '../follow-up.js';
import {
  errorLine,
  formatTime,
  type Io,
  namedList,
  printJson,
  renderTable,
  taskCell,
  unreadableNote,
} from '../output.js';
import { noteUnknownQueue } from '../queue-names.js';
import { type Redaction, SHOW_AS_STORED } from '../redaction.js';
import { queueLabel, storedQueuesFor } from '../stored-queues.js';
import { terminalText } from '../terminal-text.js';
import { cutDeepRecords } from '../value-depth.js';
import { notFailedLine, notFailedWorkflows } from './settled-workflows.js';

/**
 * A page of the dead-letter sets of `stored` read as one list. Oldest first: each set after
 * the one before it, a partitioned queue's partitions in partition order, one call per set
 * the page reaches. `newest`: the jobs that died last first, from the last `offset + limit`
 * of each set (each is kept oldest first) merged by when they died, one call per set that has
 * dead jobs. Either way one call for the counts first.
 */
async function readDeadPage(
  admin: TransportAdmin,
  stored: readonly string[],
  offset: number,
  limit: number,
  newest: boolean,
): Promise<DeadLetterPage & { partitions: Array<{ queue: string; dead: number }> }> {
  const counts = await admin.queueCounts(stored);
  const partitions = counts.map(({ queue, dead }) => ({ queue, dead }));
  const total = partitions.reduce((sum, p) => sum + p.dead, 0);
  if (newest) {
    const want = offset + limit;
    const tails = await Promise.all(
      partitions.map(async ({ queue, dead }) => {
        if (dead === 0) return [];
        const start = Math.max(0, dead - want);
        const page = await admin.listDead(queue, { offset: start, limit: dead - start });
        return page.jobs.reverse();
      }),
    );
    // Stable: jobs that died in the same millisecond keep their set's order, newest first.
    const jobs = tails
      .flat()
      .sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0))
      .slice(offset, want);
    return { jobs, total, partitions };
  }
  const jobs: JobRecord[] = [];
  let skip = offset;
  for (const { queue, dead } of partitions) {
    if (jobs.length >= limit) break;
    if (skip >= dead) {
      skip -= dead;
      continue;
    }
    const page = await admin.listDead(queue, { offset: skip, limit: limit - jobs.length });
    jobs.push(...page.jobs);
    skip = 0;
  }
  return { jobs, total, partitions };
}

/**
 * `conveyor dead <queue>`: a page of the queue's dead-letter set, oldest first; of a
 * partitioned queue, its partitions' sets one after the other. With `newest`, the jobs that
 * died last first, across the partitions.
 */
export async function listDeadJobs(
  connection: AdminConnection,
  queue: string,
  options: {
    json?: boolean;
    limit: number;
    offset: number;
    newest?: boolean;
    followUp?: FollowUp;
    /** What `--json` prints of each job's input, progress and result. */
    redaction?: Redaction;
  },
  io: Io,
): Promise<void> {
  const { admin } = connection;
  const stored = await storedQueuesFor(admin, queue);
  const single = stored.length === 1 && stored[0] === queue;
  const { newest = false } = options;
  const page =
    single && !newest
      ? await admin.listDead(queue, { offset: options.offset, limit: options.limit })
      : await readDeadPage(admin, stored, options.offset, options.limit, newest);
  // A typo lists nothing, and says so: the name reads as a queue with no dead jobs otherwise.
  if (page.total === 0) await noteUnknownQueue(admin, queue, io);
  if (options.json) {
    const redaction = options.redaction ?? SHOW_AS_STORED;
    const { records: jobs, notes } = cutDeepRecords(page.jobs.map((job) => redaction.record(job)));
    printJson(io, {
      queue,
      total: page.total,
      offset: options.offset,
      order: newest ? 'newest' : 'oldest',
      jobs,
      ...('partitions' in page && !single ? { partitions: page.partitions } : {}),
    });
    for (const note of notes) io.stderr(note);
    return;
  }
  if (page.total === 0) {
    io.stdout(`Queue ${queueLabel(queue, stored)} has no dead jobs.`);
    return;
  }
  if (page.jobs.length === 0) {
    // Past the end: an empty table and a retry hint would read as dead jobs not shown.
    io.stdout(
      terminalText(
        `No dead jobs at offset ${options.offset}: queue ${queueLabel(queue, stored)} has ${page.total}. Pass an --offset under ${page.total}, or leave it out.`,
      ),
    );
    return;
  }
  const now = Date.now();
  const table = renderTable(page.jobs, [
    { header: 'ID', value: (job) => job.id },
    { header: 'TASK', value: taskCell },
    { header: 'ATTEMPTS', value: (job) => job.attempts },
    { header: 'DIED', value: (job) => formatTime(job.finishedAt, now) },
    // One line of it: renderTable escapes what is left (a newline would break the table).
    { header: 'ERROR', value: errorLine },
  ]);
  for (const line of table) io.stdout(line);
  const shown = page.jobs.length;
  const { command, note } = options.followUp ?? noFlags();
  io.stdout('');
  const unreadable = unreadableNote(page.jobs, command`inspect <job-id>`);
  if (unreadable) io.stdout(terminalText(unreadable));
  // The retry hint below does not hold for these: `conveyor retry` refuses a step job. Their
  // workflows that are no longer failed have nothing left to retry: said so, not sent there.
  const workflows = [...new Set(page.jobs.flatMap((job) => job.envelope.workflow?.id ?? []))];
  const settled = await notFailedWorkflows(connection.transport, workflows);
  const failed = workflows.filter((id) => !settled.some((w) => w.id === id));
  const steps = page.jobs.filter((job) => job.envelope.workflow).length;
  if (failed.length > 0) {
    const ofFailed = page.jobs.filter((job) => failed.includes(job.envelope.workflow?.id ?? ''));
    const n = ofFailed.length;
    io.stdout(
      terminalText(
        `${n === shown ? (n === 1 ? 'It is a' : 'They are') : `${n} of them ${n === 1 ? 'is a' : 'are'}`} workflow step job${n === 1 ? '' : 's'}: retry ${failed.length === 1 ? 'its workflow' : 'their workflows'} with \`${command`workflows retry <id>`}\`${note} (${namedList(failed, 'workflows')}).`,
      ),
    );
  }
  const done = notFailedLine(settled, queue, false, options.followUp ?? noFlags());
  if (done) io.stdout(done);
  // Every dead job of the queue is a step job on this page: no job of it takes `retry`.
  if (steps === shown && shown === page.total) {
    io.stdout(
      `${shown} of ${page.total} dead job${page.total === 1 ? '' : 's'}${single ? '' : ` of ${queueLabel(queue, stored)}`} shown (offset ${options.offset}${newest ? ', newest first' : ''}).`,
    );
    return;
  }
  io.stdout(
    terminalText(
      `${shown} of ${page.total} dead job${page.total === 1 ? '' : 's'}${single ? '' : ` of ${queueLabel(queue, stored)}`} shown (offset ${options.offset}${newest ? ', newest first' : ''}). Retry with \`${command`retry <job-id>`}\` or \`${command`retry --all-dead --queue ${queue}`}\`${note}.`,
    ),
  );
}
