import type { JobError, JobRecord, JobWorkflowRef, WorkflowStatus } from '@conveyor/core';
import { pausedQueuesAmong, queueOfJobId } from '@conveyor/core/transport';
import { recordAction } from '../audit-trail.js';
import type { AdminConnection, Connection } from '../connection.js';
import { CliError } from '../errors.js';
import { type FollowUp, followUp as noFlags } from '../follow-up.js';
import { type Io, isUnreadable, printJson } from '../output.js';
import { pausedLines } from '../paused-note.js';
import { terminalText } from '../terminal-text.js';
import { unreadQueuesLine } from '../unread-queues.js';
import { jobNotFound } from './inspect.js';

/**
 * `conveyor retry <job-id>`: moves one dead job back to waiting with fresh attempts. A
 * workflow's step job is refused (see {@link stepJobRefused}).
 */
export async function retryJob(
  connection: AdminConnection,
  id: string,
  options: { json?: boolean; followUp?: FollowUp },
  io: Io,
): Promise<void> {
  const { transport, admin } = connection;
  const followUp = options.followUp ?? noFlags();
  // parseJobId let only job ids through: the id names its queue.
  const queue = queueOfJobId(id) as string;
  const record = await transport.getJob(id);
  if (!record) throw jobNotFound(id, followUp);
  const ref = record.envelope.workflow;
  // A step job that ended failed (dead-lettered, or failed for good) is its workflow's to run
  // again; one completed, waiting or running is answered as any job is ("is completed, not
  // dead").
  if (ref && (record.state === 'dead' || record.state === 'failed')) {
    const status = await transport.workflows?.get(ref.id).then(
      (run) => run?.status,
      () => undefined,
    );
    throw stepJobRefused(id, ref, followUp, status, record.state === 'dead');
  }
  if (record.state === 'dead' && isUnreadable(record)) {
    // `retry --all-dead` leaves such a job, and a worker would only dead-letter it again.
    throw new CliError(
      'CONFLICT',
      `Job ${JSON.stringify(id)} is not retried: this CLI cannot read it (its Error says why), and a worker like it would only dead-letter it again. \`${followUp.command`inspect ${id}`}\`${followUp.note} shows why; repair the stored job, or purge the dead-letter set.`,
    );
  }
  if (record.state !== 'dead' || (await admin.retryDead(queue, [id])) === 0) {
    // Not dead, or it left the dead-letter set since it was read (retried or purged).
    const now = record.state === 'dead' ? await transport.getJob(id) : record;
    if (!now) throw jobNotFound(id, followUp);
    throw notDead(id, now, followUp);
  }
  await recordAction(
    connection,
    { action: 'job.retry', jobId: id, queue, detail: { from: 'dead' } },
    io,
  );
  const paused = await pausedQueuesAmong(admin, [queue]);
  if (options.json) {
    printJson(io, { id, queue, retried: 1, paused });
    return;
  }
  io.stdout(`Retried ${terminalText(id)}: back in queue ${queue} with a fresh attempt budget.`);
  for (const line of pausedLines(paused, [queue], 1, followUp)) io.stdout(line);
  // A job of an earlier partition count goes back to a partition the live workers may not read.
  const unread = await unreadQueuesLine(admin, [queue], Date.now() + connection.clockOffsetMs);
  if (unread) io.stdout(unread);
}

/**
 * The refusal to retry a job that is not dead. A `failed` one read "is failed, not dead",
 * which said neither why such a job is not retried nor what to do instead.
 */
function notDead(id: string, record: JobRecord, { command, note }: FollowUp): CliError {
  const inspect = `\`${command`inspect ${id}`}\`${note}`;
  if (record.state !== 'failed') {
    return new CliError(
      'CONFLICT',
      `Job ${JSON.stringify(id)} is ${record.state}, not dead: only dead-letter jobs can be retried. Use ${inspect} to see it.`,
    );
  }
  // runJob fails a job for good, never dead-letters it, when running it again would end the
  // same way: NonRetryableError, or a result it refused (runJob, packages/core/src/run-job.ts).
  const gist = errorGist(record.error);
  return new CliError(
    'CONFLICT',
    `Job ${JSON.stringify(id)} failed for good${gist === '' ? '' : ` (${gist})`}: its task threw NonRetryableError, or its result was refused (invalid output, not JSON, or over maxResultBytes). Such a final failure is not retried, by design: the same input would fail the same way, so the job never went to the dead-letter set, which is all \`conveyor retry\` takes. To run the same input again, enqueue it anew (from your app, say) with the input ${inspect} shows.`,
  );
}

/** Longest part of a job's error a one-line message quotes. */
const GIST_CHARS = 100;

/** `CODE: first line of the message`, cut to {@link GIST_CHARS} characters; '' for none. */
function errorGist(error: JobError | undefined): string {
  if (typeof error !== 'object' || error === null) return '';
  const code = typeof error.code === 'string' ? `${error.code}: ` : '';
  const [first = ''] = String(error.message ?? '').split('\n');
  const chars = Array.from(`${code}${first}`.trim());
  return chars.length > GIST_CHARS ? `${chars.slice(0, GIST_CHARS - 1).join('')}…` : chars.join('');
}

/**
 * A workflow's step job is not retried by itself: its workflow recorded the step's failure
 * when the job died, so a worker would take the job back only to acknowledge it unrun
 * (docs/workflows.md §3); once the workflow is retried, it would run the step beside the
 * step's new job. The workflow's retry runs the step again, with that new job.
 */
function stepJobRefused(
  id: string,
  ref: JobWorkflowRef,
  { command, note }: FollowUp,
  status: WorkflowStatus | undefined,
  dead: boolean,
): CliError {
  const child = ref.child === undefined ? '' : ` child ${ref.child}`;
  const job = `Job ${JSON.stringify(id)} is a step job of workflow ${ref.id} (step ${JSON.stringify(ref.step)}${child})`;
  // A workflow retried since (or ended otherwise) has nothing to retry: sending the reader
  // to `workflows retry` led to "is completed, not failed".
  if (status !== undefined && status !== 'failed') {
    return new CliError(
      'CONFLICT',
      `${job}, and that workflow is ${status} now: nothing is left to retry, and the step will not run again. ${
        dead
          ? `The job stays in the dead-letter set as a record of the failed attempt, until \`${command`purge ${queueOfJobId(id) as string} --dead`}\`${note} (which deletes every dead job of the queue).`
          : 'The job stays as a record of the failed attempt until its result TTL passes.'
      }`,
    );
  }
  return new CliError(
    'USAGE',
    `${job}: \`conveyor retry\` would not run it again, as its workflow recorded the step's outcome. Use \`${command`workflows retry ${ref.id}`}\`, which runs a failed workflow's failed steps again with new jobs (\`${command`inspect ${ref.id}`}\` shows its status)${note}.`,
  );
}

/** `conveyor cancel <job-id>`. Prints nothing on stdout when it fails. */
export async function cancelJob(
  connection: Connection,
  id: string,
  options: { json?: boolean; followUp?: FollowUp },
  io: Io,
): Promise<void> {
  const result = await connection.transport.cancel(id);
  if (result === 'not-found') throw jobNotFound(id, options.followUp);
  if (result === 'finished') {
    const record = await connection.transport.getJob(id);
    throw new CliError(
      'CONFLICT',
      `Job ${JSON.stringify(id)} already finished (${record?.state ?? 'final'}): nothing to cancel.`,
    );
  }
  const queue = queueOfJobId(id);
  await recordAction(
    connection,
    {
      action: 'job.cancel',
      jobId: id,
      ...(queue === undefined ? {} : { queue }),
      detail: { result },
    },
    io,
  );
  if (options.json) {
    printJson(io, { id, result });
  } else if (result === 'cancelled') {
    io.stdout(`Cancelled ${terminalText(id)}: it will not run.`);
  } else {
    io.stdout(
      `Cancel requested for ${terminalText(id)}: a worker holds it. If it runs, its worker aborts ctx.signal; if it waits there (reserved ahead, or at a limit), it ends cancelled without running.`,
    );
  }
}
