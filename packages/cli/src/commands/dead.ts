import type { AdminConnection } from '../connection.js';
import { formatTime, type Io, printJson, renderTable } from '../output.js';
import { terminalText } from '../terminal-text.js';
import { cutDeepRecord, tooDeepNote } from '../value-depth.js';

/** `conveyor dead <queue>`: a page of the queue's dead-letter set, oldest first. */
export async function listDeadJobs(
  connection: AdminConnection,
  queue: string,
  options: { json?: boolean; limit: number; offset: number },
  io: Io,
): Promise<void> {
  const page = await connection.admin.listDead(queue, {
    offset: options.offset,
    limit: options.limit,
  });
  if (options.json) {
    const cut = page.jobs.map((job) => cutDeepRecord(job));
    const jobs = cut.map(({ record }) => record);
    printJson(io, { queue, total: page.total, offset: options.offset, jobs });
    for (const { record, tooDeep } of cut) {
      if (tooDeep.length > 0)
        io.stderr(`note: job ${terminalText(record.id)}: ${tooDeepNote(tooDeep)}.`);
    }
    return;
  }
  if (page.total === 0) {
    io.stdout(`Queue ${queue} has no dead jobs.`);
    return;
  }
  const now = Date.now();
  const table = renderTable(page.jobs, [
    { header: 'ID', value: (job) => job.id },
    { header: 'TASK', value: (job) => job.envelope.task },
    { header: 'ATTEMPTS', value: (job) => job.attempts },
    { header: 'DIED', value: (job) => formatTime(job.finishedAt, now) },
    {
      header: 'ERROR',
      // One line of it: renderTable escapes what is left (a newline would break the table).
      value: (job) =>
        `${job.error?.code ? `${job.error.code}: ` : ''}${String(job.error?.message ?? '')
          .split('\n')[0]
          ?.slice(0, 100)}`,
    },
  ]);
  for (const line of table) io.stdout(line);
  const shown = page.jobs.length;
  io.stdout('');
  io.stdout(
    `${shown} of ${page.total} dead job${page.total === 1 ? '' : 's'} shown (offset ${options.offset}). Retry with \`conveyor retry <job-id>\` or \`conveyor retry --all-dead --queue ${queue}\`.`,
  );
}
