import type { JobWorkflowRef, TransportAdmin } from '@conveyor/core';
import { queueOfJobId } from '@conveyor/core/transport';
import type { AdminConnection, Connection } from '../connection.js';
import { CliError } from '../errors.js';
import { type Io, printJson } from '../output.js';
import { noteUnknownQueue } from '../queue-names.js';
import { queueLabel, storedQueuesFor } from '../stored-queues.js';
import { terminalText } from '../terminal-text.js';
import { jobNotFound } from './inspect.js';

/**
 * `conveyor retry <job-id>`: moves one dead job back to waiting with fresh attempts. A
 * workflow's step job is refused (see {@link stepJobRefused}).
 */
export async function retryJob(
  connection: AdminConnection,
  id: string,
  options: { json?: boolean },
  io: Io,
): Promise<void> {
  const { transport, admin } = connection;
  // parseJobId let only job ids through: the id names its queue.
  const queue = queueOfJobId(id) as string;
  const record = await transport.getJob(id);
  if (!record) throw jobNotFound(id);
  if (record.envelope.workflow) throw stepJobRefused(id, record.envelope.workflow);
  if (record.state !== 'dead' || (await admin.retryDead(queue, [id])) === 0) {
    // Not dead, or it left the dead-letter set since it was read (retried or purged).
    const now = record.state === 'dead' ? await transport.getJob(id) : record;
    if (!now) throw jobNotFound(id);
    throw new CliError(
      'CONFLICT',
      `Job ${JSON.stringify(id)} is ${now.state}, not dead: only dead-letter jobs can be retried. Use \`conveyor inspect ${id}\` to see it.`,
    );
  }
  if (options.json) printJson(io, { id, queue, retried: 1 });
  else
    io.stdout(`Retried ${terminalText(id)}: back in queue ${queue} with a fresh attempt budget.`);
}

/**
 * A workflow's step job is not retried by itself: its workflow recorded the step's failure
 * when the job died, so a worker would take the job back only to acknowledge it unrun
 * (docs/workflows.md §3); once the workflow is retried, it would run the step beside the
 * step's new job. The workflow's retry runs the step again, with that new job.
 */
function stepJobRefused(id: string, ref: JobWorkflowRef): CliError {
  const child = ref.child === undefined ? '' : ` child ${ref.child}`;
  return new CliError(
    'USAGE',
    `Job ${JSON.stringify(id)} is a step job of workflow ${ref.id} (step ${JSON.stringify(ref.step)}${child}): \`conveyor retry\` would not run it again, as its workflow recorded the step's outcome. Use \`conveyor workflows retry ${ref.id}\`, which runs a failed workflow's failed steps again with new jobs (\`conveyor inspect ${ref.id}\` shows its status).`,
  );
}

/** Dead jobs read per call while retrying a queue's dead-letter set. */
const DEAD_PAGE = 200;

/**
 * Retries the dead jobs of one stored queue except its workflow step jobs (see
 * {@link stepJobRefused}), a page at a time, oldest first. The step jobs stay dead, so each
 * page starts after those left before it. Reads at most as many jobs as were dead at the
 * start: one that dies again meanwhile is not retried twice.
 */
async function retryDeadJobs(
  admin: TransportAdmin,
  queue: string,
): Promise<{ retried: number; steps: string[] }> {
  let retried = 0;
  let offset = 0;
  let read = 0;
  let total: number | undefined;
  /** The workflow id of each step job left dead. */
  const steps: string[] = [];
  while (total === undefined || read < total) {
    const page = await admin.listDead(queue, { offset, limit: DEAD_PAGE });
    total ??= page.total;
    if (page.jobs.length === 0) break;
    read += page.jobs.length;
    const ids: string[] = [];
    for (const job of page.jobs) {
      if (job.envelope.workflow) steps.push(job.envelope.workflow.id);
      else ids.push(job.id);
    }
    const moved = ids.length === 0 ? 0 : await admin.retryDead(queue, ids);
    retried += moved;
    offset += page.jobs.length - moved;
  }
  return { retried, steps };
}

/** Workflow ids a message names before it says `…`. */
const WORKFLOWS_NAMED = 5;

/**
 * `conveyor retry --all-dead --queue q`: moves every dead job of a queue (of a partitioned
 * queue, of each partition) back to waiting, but workflow step jobs, which it counts and
 * leaves to `conveyor workflows retry`.
 */
export async function retryAllDead(
  connection: AdminConnection,
  queue: string,
  options: { json?: boolean },
  io: Io,
): Promise<void> {
  const { admin } = connection;
  const stored = await storedQueuesFor(admin, queue);
  const label = queueLabel(queue, stored);
  const partitions: Array<{ queue: string; retried: number }> = [];
  const steps: string[] = [];
  for (const name of stored) {
    const done = await retryDeadJobs(admin, name);
    partitions.push({ queue: name, retried: done.retried });
    steps.push(...done.steps);
  }
  const retried = partitions.reduce((sum, p) => sum + p.retried, 0);
  if (retried === 0 && steps.length === 0) await noteUnknownQueue(admin, queue, io);
  const workflows = [...new Set(steps)];
  if (options.json) {
    printJson(io, {
      queue,
      retried,
      ...(steps.length > 0 ? { skippedStepJobs: steps.length, workflows } : {}),
      ...(label === queue ? {} : { partitions }),
    });
    return;
  }
  io.stdout(`Retried ${retried} dead job${retried === 1 ? '' : 's'} of queue ${label}.`);
  if (steps.length === 0) return;
  const named = workflows.slice(0, WORKFLOWS_NAMED).join(', ');
  const more = workflows.length > WORKFLOWS_NAMED ? `, … (${workflows.length} workflows)` : '';
  io.stdout(
    terminalText(
      `Skipped ${steps.length} workflow step job${steps.length === 1 ? '' : 's'}, left dead: \`conveyor retry\` would not run them again. Retry their workflow${workflows.length === 1 ? '' : 's'} with \`conveyor workflows retry <id>\`: ${named}${more}.`,
    ),
  );
}

/** `conveyor cancel <job-id>`. Prints nothing on stdout when it fails. */
export async function cancelJob(
  connection: Connection,
  id: string,
  options: { json?: boolean },
  io: Io,
): Promise<void> {
  const result = await connection.transport.cancel(id);
  if (result === 'not-found') throw jobNotFound(id);
  if (result === 'finished') {
    const record = await connection.transport.getJob(id);
    throw new CliError(
      'CONFLICT',
      `Job ${JSON.stringify(id)} already finished (${record?.state ?? 'final'}): nothing to cancel.`,
    );
  }
  if (options.json) {
    printJson(io, { id, result });
  } else if (result === 'cancelled') {
    io.stdout(`Cancelled ${terminalText(id)}: it will not run.`);
  } else {
    io.stdout(
      `Cancel requested for ${terminalText(id)}: it is running; its worker aborts ctx.signal.`,
    );
  }
}
