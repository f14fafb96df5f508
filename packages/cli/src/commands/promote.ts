import type { JobRecord } from '@conveyor/core';
import { baseQueueOf, pausedQueuesAmong, queueOfJobId } from '@conveyor/core/transport';
import { recordAction } from '../audit-trail.js';
import type { AdminConnection } from '../connection.js';
import { CliError } from '../errors.js';
import type { FollowUp } from '../follow-up.js';
import { type Io, namedList, printJson } from '../output.js';
import { pausedLines } from '../paused-note.js';
import { terminalText } from '../terminal-text.js';

/** What `conveyor promote` was asked to do, its arguments checked. */
export type PromotePlan =
  | { kind: 'ids'; ids: string[] }
  | { kind: 'all'; queue: string; yes: boolean; dryRun: boolean };

export interface PromoteArgs {
  all?: boolean;
  queue?: string;
  yes?: boolean;
  dryRun?: boolean;
}

/** Checks the arguments before any connection is made (exit 2 for a bad combination). */
export function promotePlan(
  ids: readonly string[] | undefined,
  options: PromoteArgs,
  { command, note }: FollowUp,
): PromotePlan {
  const given = ids ?? [];
  if (options.all) {
    if (given.length > 0) {
      throw new CliError('USAGE', 'Give either job ids or --all --queue <queue>, not both.');
    }
    if (!options.queue) {
      throw new CliError(
        'USAGE',
        "--all needs --queue <queue>: which queue's delayed jobs to promote.",
      );
    }
    return {
      kind: 'all',
      queue: options.queue,
      yes: options.yes === true,
      dryRun: options.dryRun === true,
    };
  }
  if (options.dryRun) {
    throw new CliError(
      'USAGE',
      `--dry-run goes with --all --queue <queue>, not job ids: \`${command`jobs <queue> --state delayed`}\`${note} lists a queue's delayed jobs.`,
    );
  }
  if (given.length === 0) {
    throw new CliError(
      'USAGE',
      `Missing job id: give \`${command`promote <job-id...>`}\` or \`${command`promote --all --queue <queue>`}\`${note}.`,
    );
  }
  // As `retry <job-id>`: each id names its queue; a --queue beside them must be that queue.
  const named = options.queue;
  for (const id of given) {
    const own = queueOfJobId(id) as string;
    if (named !== undefined && named !== own && named !== baseQueueOf(own)) {
      throw new CliError(
        'USAGE',
        `--queue ${JSON.stringify(named)} is not the queue of job ${JSON.stringify(id)}, which is ${JSON.stringify(own)}: a job id names its queue. Leave --queue out, or use --all --queue ${named} for every delayed job of that queue.`,
      );
    }
  }
  return { kind: 'ids', ids: [...new Set(given)] };
}

/** Why one id was not promoted, for `--json`. */
type NotPromoted =
  | { id: string; reason: 'not-found' }
  | { id: string; reason: 'not-delayed'; state: string };

/**
 * `conveyor promote <job-id...>`: each delayed job becomes waiting now, in the order they were
 * due [A14], one call per queue. The answer names every id that did not move and why (not
 * found, or its state); the others still move. Exit 4 when every id that
 * did not move was not found, else 7; stdout says what moved (nothing when none did).
 */
export async function promoteJobs(
  connection: AdminConnection,
  ids: readonly string[],
  options: { json?: boolean; followUp: FollowUp },
  io: Io,
): Promise<void> {
  const { transport, admin } = connection;
  const records = await Promise.all(ids.map((id) => transport.getJob(id)));
  const failed: NotPromoted[] = [];
  const delayed: Array<{ id: string; dueAt: number }> = [];
  ids.forEach((id, index) => {
    const record = records[index];
    if (!record) failed.push({ id, reason: 'not-found' });
    else if (record.state !== 'delayed') failed.push(notDelayed(id, record));
    else delayed.push({ id, dueAt: record.dueAt ?? 0 });
  });
  // One call per queue: it moves them in the order they were due. When it moves fewer than it
  // was sent, some stopped being delayed since they were read (they came due, were cancelled
  // or their record went): those are read again, and a waiting one counts as moved.
  const byQueue = new Map<string, string[]>();
  for (const { id } of delayed) {
    const queue = queueOfJobId(id) as string;
    const list = byQueue.get(queue);
    if (list) list.push(id);
    else byQueue.set(queue, [id]);
  }
  const moved: string[] = [];
  for (const [queue, sent] of byQueue) {
    if ((await admin.promoteDelayed(queue, sent)) === sent.length) {
      moved.push(...sent);
      continue;
    }
    const now = await Promise.all(sent.map((id) => transport.getJob(id)));
    sent.forEach((id, index) => {
      const record = now[index];
      if (record?.state === 'waiting') moved.push(id);
      else failed.push(record ? notDelayed(id, record) : { id, reason: 'not-found' });
    });
  }
  const due = new Map(delayed.map(({ id, dueAt }) => [id, dueAt]));
  moved.sort((a, b) => (due.get(a) ?? 0) - (due.get(b) ?? 0));
  // In the order given, as the user reads them back.
  const position = new Map(ids.map((id, index) => [id, index]));
  failed.sort((a, b) => (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0));
  const queues = [...new Set(moved.map((id) => queueOfJobId(id) as string))];
  if (moved.length > 0) await audit(connection, moved, queues, delayed, io);
  const paused = moved.length > 0 ? await pausedQueuesAmong(admin, queues) : [];
  if (options.json) {
    // The same shape whether or not anything moved: a script reads why from notPromoted.
    printJson(io, {
      promoted: moved.length,
      jobs: moved,
      paused,
      ...(failed.length > 0 ? { notPromoted: failed } : {}),
    });
  } else if (moved.length > 0) {
    io.stdout(
      terminalText(
        moved.length === 1
          ? `Promoted ${moved[0]}: it is waiting in queue ${queues[0]} now, behind the jobs already waiting.`
          : `Promoted ${moved.length} delayed jobs: they are waiting now, behind the jobs already waiting (${namedList(moved, 'jobs')}).`,
      ),
    );
    for (const queue of paused) {
      const count = moved.filter((id) => queueOfJobId(id) === queue).length;
      for (const line of pausedLines([queue], [queue], count, options.followUp)) {
        io.stdout(terminalText(line));
      }
    }
  }
  if (failed.length > 0) throw notPromotedError(failed, ids.length, options.followUp);
}

/**
 * The audit entries of the jobs that moved: one job with the time it was due (as the
 * dashboard's Run now records it), or several (`recordAction` splits a long list).
 */
async function audit(
  connection: AdminConnection,
  moved: readonly string[],
  queues: string[],
  delayed: ReadonlyArray<{ id: string; dueAt: number }>,
  io: Io,
): Promise<void> {
  if (moved.length === 1) {
    const dueAt = delayed.find((job) => job.id === moved[0])?.dueAt;
    const wasDue = dueAt ? { wasDue: new Date(dueAt).toISOString() } : {};
    const detail = { promoted: 1, ...wasDue };
    await recordAction(
      connection,
      { action: 'job.promote', jobId: moved[0], queue: queues[0], detail },
      io,
    );
    return;
  }
  await recordAction(
    connection,
    {
      action: 'job.promote',
      jobIds: moved,
      ...(queues.length === 1 ? { queue: queues[0] } : {}),
      detail: { promoted: moved.length, ...(queues.length > 1 ? { queues } : {}) },
    },
    io,
  );
}

function notDelayed(id: string, record: JobRecord): NotPromoted {
  return { id, reason: 'not-delayed', state: record.state };
}

/** Why each id in `failed` did not move: one line for one; a count, then a line each. */
function notPromotedError(
  failed: readonly NotPromoted[],
  given: number,
  followUp: FollowUp,
): CliError {
  const code = failed.every((f) => f.reason === 'not-found') ? 'NOT_FOUND' : 'CONFLICT';
  const reasons = failed.map((f) => reason(f, followUp));
  if (reasons.length === 1) return new CliError(code, reasons[0] as string);
  return new CliError(
    code,
    [`${failed.length} of ${given} jobs were not promoted:`, ...reasons.map((r) => `  ${r}`)].join(
      '\n',
    ),
  );
}

function reason(failed: NotPromoted, { command, note }: FollowUp): string {
  const { id } = failed;
  const queue = queueOfJobId(id) as string;
  if (failed.reason === 'not-found') {
    return `No job ${JSON.stringify(id)}: it never existed, or it ran and its record expired or was deleted. \`${command`jobs ${queue} --state delayed`}\`${note} lists the delayed jobs of queue ${queue}.`;
  }
  const what = `Job ${JSON.stringify(id)} is ${failed.state}, not delayed: nothing to promote`;
  if (failed.state === 'dead') {
    return `${what}. \`${command`retry ${id}`}\`${note} runs a dead job again.`;
  }
  return `${what}.`;
}
