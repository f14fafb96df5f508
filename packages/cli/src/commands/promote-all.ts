import { AUDIT_LIMITS } from '@conveyor/core';
import { delayedJobIds, pausedQueuesAmong } from '@conveyor/core/transport';
import { recordAction } from '../audit-trail.js';
import type { AdminConnection } from '../connection.js';
import { CliError } from '../errors.js';
import type { FollowUp } from '../follow-up.js';
import { type Io, printJson, renderTable } from '../output.js';
import { pausedLines } from '../paused-note.js';
import { noteUnknownQueue } from '../queue-names.js';
import { queueLabel, storedQueuesFor } from '../stored-queues.js';
import { terminalText } from '../terminal-text.js';

export interface PromoteAllOptions {
  json?: boolean;
  /** Do not ask (required when stdin is not a terminal). */
  yes?: boolean;
  /** Count what a promote would move, and change nothing. */
  dryRun?: boolean;
  followUp: FollowUp;
}

const jobs = (count: number) => `${count} delayed job${count === 1 ? '' : 's'}`;

/**
 * `conveyor promote --all --queue q`: every delayed job of a queue (of a partitioned queue,
 * of each partition, as `retry --all-dead` and `purge` take it) becomes waiting now, in the
 * order they were due [A14]. As `purge` does, it asks first on a terminal and refuses with
 * the count otherwise (exit 5), unless `--yes` or there is nothing to promote. `--dry-run`
 * says how many it would promote, and changes nothing.
 */
export async function promoteAll(
  connection: AdminConnection,
  queue: string,
  options: PromoteAllOptions,
  io: Io,
): Promise<void> {
  const { admin } = connection;
  const { command, note } = options.followUp;
  const stored = await storedQueuesFor(admin, queue);
  const label = queueLabel(queue, stored);
  const partitioned = label !== queue;
  const counts = await admin.queueCounts(stored);
  const total = counts.reduce((sum, c) => sum + c.delayed, 0);
  if (total === 0) await noteUnknownQueue(admin, queue, io);
  const yes = command`promote --all --queue ${queue} --yes`;
  if (options.dryRun) {
    const partitions = counts.map((c) => ({ queue: c.queue, wouldPromote: c.delayed }));
    if (options.json) {
      printJson(io, {
        queue,
        dryRun: true,
        wouldPromote: total,
        ...(partitioned ? { partitions } : {}),
      });
      return;
    }
    io.stdout(terminalText(`Dry run: would promote ${jobs(total)} of queue ${label}.`));
    if (partitioned) {
      const table = renderTable(partitions, [
        { header: 'PARTITION', value: (p) => p.queue },
        { header: 'WOULD PROMOTE', value: (p) => p.wouldPromote },
      ]);
      for (const line of table) io.stdout(`  ${line}`);
    }
    io.stdout(
      total === 0
        ? 'Nothing was changed.'
        : `Nothing was changed. To promote them: \`${yes}\`${note}.`,
    );
    return;
  }
  // Nothing to promote is nothing to confirm, on a terminal or not (as purge).
  if (!options.yes && total > 0) {
    const what = `${jobs(total)} of queue ${label}`;
    if (!io.interactive) {
      throw new CliError(
        'REFUSED',
        `Refusing to promote ${what} without confirmation: stdin is not a terminal. Pass --yes to promote them (\`${yes}\`${note}), or --dry-run to see how many it would promote.`,
      );
    }
    if (!(await io.confirm(`Promote ${what}? They run now. [y/N] `))) {
      throw new CliError('REFUSED', `Not promoted: queue ${label} is unchanged.`);
    }
  }
  const sent: string[] = [];
  const partitions: Array<{ queue: string; promoted: number }> = [];
  for (const name of stored) {
    const delayed = counts.find((c) => c.queue === name)?.delayed ?? 0;
    if (delayed > 0 && sent.length < AUDIT_LIMITS.jobIds) {
      sent.push(...(await delayedJobIds(admin, name, AUDIT_LIMITS.jobIds - sent.length)));
    }
    partitions.push({ queue: name, promoted: await admin.promoteDelayed(name) });
  }
  const promoted = partitions.reduce((sum, p) => sum + p.promoted, 0);
  await recordAction(
    connection,
    { action: 'queue.promote', queue, jobIds: sent, detail: { promoted, all: true } },
    io,
  );
  const into = partitions.filter((p) => p.promoted > 0).map((p) => p.queue);
  const paused = await pausedQueuesAmong(admin, into);
  if (options.json) {
    printJson(io, { queue, promoted, paused, ...(partitioned ? { partitions } : {}) });
    return;
  }
  io.stdout(
    terminalText(
      promoted === 0
        ? `Promoted 0 delayed jobs of queue ${label}.`
        : `Promoted ${jobs(promoted)} of queue ${label}: ${promoted === 1 ? 'it is' : 'they are'} waiting now, behind the jobs already waiting.`,
    ),
  );
  for (const line of pausedLines(paused, into, promoted, options.followUp, queue)) {
    io.stdout(terminalText(line));
  }
}
