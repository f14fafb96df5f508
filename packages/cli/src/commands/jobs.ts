import { queueOfJobId } from '@conveyor/core/transport';
import type { AdminConnection, Connection } from '../connection.js';
import { CliError } from '../errors.js';
import { type Io, printJson } from '../output.js';
import { queueLabel, storedQueuesFor } from '../stored-queues.js';
import { terminalText } from '../terminal-text.js';
import { jobNotFound } from './inspect.js';

/** `conveyor retry <job-id>`: moves one dead job back to waiting with fresh attempts. */
export async function retryJob(
  connection: AdminConnection,
  id: string,
  options: { json?: boolean },
  io: Io,
): Promise<void> {
  const { transport } = connection;
  // parseJobId let only job ids through: the id names its queue.
  const queue = queueOfJobId(id) as string;
  const moved = await connection.admin.retryDead(queue, [id]);
  if (moved === 0) {
    const record = await transport.getJob(id);
    if (!record) throw jobNotFound(id);
    throw new CliError(
      'CONFLICT',
      `Job ${JSON.stringify(id)} is ${record.state}, not dead: only dead-letter jobs can be retried. Use \`conveyor inspect ${id}\` to see it.`,
    );
  }
  if (options.json) printJson(io, { id, queue, retried: 1 });
  else
    io.stdout(`Retried ${terminalText(id)}: back in queue ${queue} with a fresh attempt budget.`);
}

/**
 * `conveyor retry --all-dead --queue q`: moves every dead job of a queue (of a partitioned
 * queue, of each partition) back to waiting.
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
  for (const name of stored) partitions.push({ queue: name, retried: await admin.retryDead(name) });
  const retried = partitions.reduce((sum, p) => sum + p.retried, 0);
  if (options.json) printJson(io, { queue, retried, ...(label === queue ? {} : { partitions }) });
  else io.stdout(`Retried ${retried} dead job${retried === 1 ? '' : 's'} of queue ${label}.`);
}

/** `conveyor cancel <job-id>`. */
export async function cancelJob(
  connection: Connection,
  id: string,
  options: { json?: boolean },
  io: Io,
): Promise<void> {
  const result = await connection.transport.cancel(id);
  if (result === 'not-found') throw jobNotFound(id);
  if (options.json) {
    printJson(io, { id, result });
  } else if (result === 'cancelled') {
    io.stdout(`Cancelled ${terminalText(id)}: it will not run.`);
  } else if (result === 'signalled') {
    io.stdout(
      `Cancel requested for ${terminalText(id)}: it is running; its worker aborts ctx.signal.`,
    );
  }
  if (result === 'finished') {
    const record = await connection.transport.getJob(id);
    throw new CliError(
      'CONFLICT',
      `Job ${JSON.stringify(id)} already finished (${record?.state ?? 'final'}): nothing to cancel.`,
    );
  }
}
