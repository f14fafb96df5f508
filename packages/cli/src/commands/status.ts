import type { QueueCounts } from '@conveyor/core';
import { parsePartitionName, partitionNames } from '@conveyor/core/transport';
import { waitOrAbort } from '../abortable-wait.js';
import type { AdminConnection } from '../connection.js';
import { type FollowUp, followUp as noFlags } from '../follow-up.js';
import { formatDuration, type Io, printJson, renderTable } from '../output.js';
import { partitionsText, queueLabel } from '../stored-queues.js';
import { terminalJson, terminalText } from '../terminal-text.js';
import { originLine } from '../transport-origin.js';
import { unreadWaitingLines } from '../unread-waiting.js';
import { type QueueStatus, type StatusSnapshot, takeSnapshot } from './status-snapshot.js';

export {
  type QueueStatus,
  type StatusSnapshot,
  staleAfterMs,
  takeSnapshot,
  type WorkerStatus,
} from './status-snapshot.js';

/**
 * The human view: a table of queues, a table of workers, then each worker's jobs. A
 * partitioned queue is one row of totals; with `partitions`, its partitions follow it.
 */
export function describeStatus(
  snapshot: StatusSnapshot,
  options: {
    partitions?: boolean;
    followUp?: FollowUp | undefined;
    /** A codegen config is there (`--config`, or one in the directory): `conveyor worker` needs no `--tasks`. */
    configured?: boolean | undefined;
  } = {},
): string[] {
  const lines: string[] = [];
  const { queues, workers, at } = snapshot;
  const redis = snapshot.redis !== undefined;
  lines.push(originLine(snapshot.transport, snapshot));
  lines.push('');
  const unreadable = snapshot.unreadableQueues?.length ?? 0;
  if (queues.length === 0 && unreadable > 0) {
    lines.push(
      `No queue could be read: ${unreadable === 1 ? 'its keys hold' : `${unreadable} queues' keys hold`} data Conveyor did not write (see the warning${unreadable === 1 ? '' : 's'} on stderr).`,
    );
  } else if (queues.length === 0) {
    lines.push(`No queues yet: nothing has been enqueued${redis ? ' under this prefix' : ''}.`);
  } else {
    type Row = Omit<QueueCounts, 'paused'> & { paused?: boolean };
    const total = (pick: (q: Row) => number) => queues.reduce((n, q) => n + pick(q), 0);
    const paused = (q: Row): string => (q.paused ? ' (paused)' : '');
    const label = (q: QueueStatus): string => {
      if (!q.partitions) return q.queue + paused(q);
      const missing = q.unreadablePartitions ?? [];
      // The partitions unread still count in "4 partitions": the queue has them.
      const stored = [...q.partitions.map((p) => p.queue), ...missing];
      const counts = partitionCounts(stored.map((queue) => ({ queue })));
      const mixed = counts.length > 1 ? `, counts ${listed(counts)}` : '';
      const some = q.partitions.filter((p) => p.paused).length;
      const part = !q.paused && some > 0 ? `, ${some} paused` : '';
      const partial = missing.length > 0 ? `, partial: ${missing.length} unreadable` : '';
      return `${q.queue} (${partitionsText(q.queue, stored)}${mixed}${part}${partial})${paused(q)}`;
    };
    const partial = queues.filter((q) => q.unreadablePartitions);
    const rows: Row[] = [
      ...queues.flatMap((q): Row[] => [
        { ...q, queue: label(q) },
        ...(options.partitions && q.partitions
          ? q.partitions.map((p) => ({ ...p, queue: `  ${p.queue}${paused(p)}` }))
          : []),
      ]),
      ...(queues.length > 1
        ? [
            {
              queue: partial.length > 0 ? '(total, partial)' : '(total)',
              waiting: total((q) => q.waiting),
              delayed: total((q) => q.delayed),
              active: total((q) => q.active),
              dead: total((q) => q.dead),
              finished: total((q) => q.finished),
            },
          ]
        : []),
    ];
    lines.push(
      ...renderTable(rows, [
        { header: 'QUEUE', value: (q) => q.queue },
        { header: 'WAITING', value: (q) => q.waiting },
        { header: 'DELAYED', value: (q) => q.delayed },
        { header: 'ACTIVE', value: (q) => q.active },
        { header: 'DEAD', value: (q) => q.dead },
        { header: 'FINISHED', value: (q) => q.finished },
      ]),
    );
    if (!options.partitions && queues.some((q) => q.partitions)) {
      lines.push(
        '',
        'A partitioned queue shows the totals of its partitions; --partitions lists each, and --queues <queue>~<p>of<n> shows one.',
      );
    }
    if (partial.length > 0) lines.push('', ...partial.map(partialNote));
    for (const q of queues) {
      const counts = q.partitions ? partitionCounts(q.partitions) : [];
      if (!q.partitions || counts.length < 2) continue;
      const note = twoCountsNote(q.queue, q.partitions, counts, options.followUp ?? noFlags());
      lines.push('', terminalText(note));
    }
    const held = queues.flatMap(pausedNames);
    if (held.length > 0) {
      const { command, note } = options.followUp ?? noFlags();
      lines.push(
        '',
        terminalText(
          `Paused: ${held.join(', ')}. Workers take none of ${held.length === 1 ? 'its' : 'their'} jobs until \`${command`resume <queue>`}\`${note}.`,
        ),
      );
    }
    if (snapshot.unknownQueues) {
      lines.push('', ...snapshot.unknownQueues.map(({ note }) => terminalText(note)));
    }
  }
  if (snapshot.queuesUnlisted !== undefined) {
    lines.push(
      '',
      terminalText(
        `Only the queues --queues names were read: the list of queues could not be (${snapshot.queuesUnlisted.replace(/\.+$/, '')}). A partitioned queue shows the partitions the workers' records name; name others as <queue>~<p>of<n>.`,
      ),
    );
  }
  lines.push('');
  if (snapshot.workersUnreadable !== undefined) {
    // "No live workers. Start one" would send the operator after the wrong problem.
    lines.push(
      terminalText(
        `Workers unknown: their records could not be read (${snapshot.workersUnreadable.replace(/\.+$/, '')}). The queues above were read; run status again once the broker answers.`,
      ),
    );
    return lines;
  }
  if (workers.length === 0) {
    const { command, note } = options.followUp ?? noFlags();
    // With a config, `worker` runs the registry it names; `--tasks` pointed elsewhere.
    const start = options.configured
      ? `\`${command`worker`}\`${note} (it runs the registry your conveyor config names)`
      : `\`${command`worker --tasks <module>`}\`${note}`;
    lines.push(terminalText(`No live workers. Start one with ${start}.`));
    return lines;
  }
  const stale = workers.filter((worker) => worker.stale);
  lines.push(
    `${workers.length} worker${workers.length === 1 ? '' : 's'}${stale.length > 0 ? ` (${stale.length} stale)` : ''}:`,
  );
  lines.push(
    ...renderTable(workers, [
      { header: 'WORKER', value: (w) => w.id },
      { header: 'HOST', value: (w) => w.hostname },
      { header: 'PID', value: (w) => w.pid },
      { header: 'STATE', value: (w) => (w.stale ? 'STALE' : w.state) },
      { header: 'QUEUES', value: (w) => workerQueues(w.queues) },
      { header: 'CONCURRENCY', value: (w) => w.concurrency },
      { header: 'IN-FLIGHT', value: (w) => w.jobs.length },
      {
        header: 'DONE/FAILED/DEAD/RETRIED',
        value: (w) =>
          `${w.counts.completed}/${w.counts.failed}/${w.counts.dead ?? '-'}/${w.counts.retried}`,
        align: 'right',
      },
      { header: 'UP', value: (w) => formatDuration(at - w.startedAt), align: 'right' },
      {
        header: 'LAST SEEN',
        value: (w) => (w.heartbeatAgeMs === null ? '-' : `${formatDuration(w.heartbeatAgeMs)} ago`),
        align: 'right',
      },
    ]),
  );
  if (stale.length > 0) {
    lines.push('');
    lines.push(
      'STALE: no heartbeat for about two of its intervals. The process was probably killed, froze or lost Redis; its record expires on its own, and its jobs go back to their queue when their leases run out.',
    );
  }
  for (const line of unreadWaitingLines(queues, workers, options.followUp ?? noFlags())) {
    lines.push('', terminalText(line));
  }
  for (const worker of workers) {
    // A job without a start is prefetched: leased, waiting for a free slot, not running.
    const started = worker.jobs.filter((job) => job.startedAt !== undefined);
    const held = worker.jobs.filter((job) => job.startedAt === undefined);
    const was = worker.stale;
    for (const [jobs, what] of [
      [started, was ? 'was running when last seen' : 'is running'],
      [
        held,
        was
          ? 'held, prefetched and not started, when last seen'
          : 'holds, prefetched and not started yet',
      ],
    ] as const) {
      if (jobs.length === 0) continue;
      lines.push('', terminalText(`${worker.id} ${what}:`));
      for (const job of jobs) {
        const ran = job.startedAt === undefined ? '' : `, ${formatDuration(at - job.startedAt)}`;
        lines.push(terminalText(`  ${job.id}  ${job.task} (attempt ${job.attempt}${ran})`));
      }
    }
  }
  return lines;
}

/**
 * `conveyor status`: queue counts and live workers. With `watch` it redraws every
 * `watch` seconds until interrupted (one JSON document per line with `--json`).
 */
export async function showStatus(
  connection: AdminConnection,
  options: {
    json?: boolean;
    queues?: string[];
    partitions?: boolean;
    watch?: number;
    signal?: AbortSignal;
    followUp?: FollowUp;
    /** The `--config` given, if any: with a config, the hint to start a worker needs no `--tasks`. */
    config?: string | undefined;
  },
  io: Io,
): Promise<void> {
  let configured: boolean | undefined;
  const print = (snapshot: StatusSnapshot, redraw: boolean) => {
    for (const { queue, error } of snapshot.unreadableQueues ?? []) {
      io.stderr(terminalText(`warning: queue ${JSON.stringify(queue)} left out: ${error}`));
    }
    if (options.json) {
      if (options.watch) io.stdout(terminalJson(snapshot));
      else printJson(io, snapshot);
      return;
    }
    if (redraw) io.stdout('\x1b[2J\x1b[H');
    // Naming queues zooms in: their partitions are listed too.
    const partitions = options.partitions === true || options.queues !== undefined;
    const { followUp } = options;
    for (const line of describeStatus(snapshot, { partitions, followUp, configured })) {
      io.stdout(line);
    }
  };
  configured = await hasConfig(options.config, io.cwd);
  if (!options.watch) {
    print(await takeSnapshot(connection, options.queues), false);
    return;
  }
  const { signal } = options;
  const redraw = io.interactive;
  while (!signal?.aborted) {
    const snapshot = await takeSnapshot(connection, options.queues);
    print(snapshot, redraw);
    if (!options.json) {
      io.stdout('');
      io.stdout(`Every ${options.watch}s; Ctrl-C to stop.`);
    }
    await waitOrAbort(options.watch * 1_000, signal);
  }
}

/** Whether a codegen config is there: the one `config` names, or one in `cwd`. */
async function hasConfig(config: string | undefined, cwd: string): Promise<boolean> {
  const { findConfigFile } = await import('@conveyor/codegen/config');
  try {
    return findConfigFile({ config, cwd }) !== undefined;
  } catch {
    // A --config that names nothing: the command read its transport elsewhere, or failed.
    return false;
  }
}

/**
 * The partition counts of a queue's stored partitions (`emails~0of4` has 4), ascending. The
 * plain stored queue (`emails`) counts for none: every worker of the queue reads it.
 */
function partitionCounts(partitions: ReadonlyArray<{ queue: string }>): number[] {
  const counts = new Set<number>();
  for (const p of partitions) {
    const count = parsePartitionName(p.queue)?.partitions;
    if (count !== undefined) counts.add(count);
  }
  return [...counts].sort((a, b) => a - b);
}

/**
 * The note on a queue whose partitions come in two or more counts: a worker reads one count,
 * so it names the count whose partitions hold the jobs (the most waiting, delayed and
 * active), which is the one to add to a worker; the count a worker already reads, where
 * nothing waits, was named before when it was the lowest.
 */
function twoCountsNote(
  queue: string,
  partitions: ReadonlyArray<Pick<QueueCounts, 'queue' | 'waiting' | 'delayed' | 'active'>>,
  counts: readonly number[],
  followUp: FollowUp,
): string {
  const held = new Map<number, number>(counts.map((count) => [count, 0]));
  for (const p of partitions) {
    const count = parsePartitionName(p.queue)?.partitions;
    if (count === undefined) continue;
    held.set(count, (held.get(count) ?? 0) + p.waiting + p.delayed + p.active);
  }
  // The most jobs; the lowest count when none holds any (or two hold as many).
  const [busiest, most] = [...held].reduce((best, entry) => (entry[1] > best[1] ? entry : best));
  const names = [queue, ...partitionNames(queue, busiest)].join(',');
  const worker = `\`${followUp.command`worker --queues ${names}`}\`${followUp.note}`;
  const others = counts.filter((count) => count !== busiest);
  const rest = others.map((count) => `${held.get(count)} in those of ${count}`).join(', ');
  const where =
    most === 0
      ? `None of its partitions holds a waiting, delayed or active job now. To read the partitions of ${busiest} too, name them`
      : `The partitions of ${busiest} hold its jobs to run (${most} waiting, delayed or active; ${rest}): name them to read them`;
  return `Queue ${JSON.stringify(queue)} holds partitions of ${counts.length} counts (${listed(counts)}), as after a change of its partition count: a worker reads only the count its tasks or --partitions give, and the others' jobs wait until a worker also names them. ${where} (queues: ['${queue}', ...partitionNames('${queue}', ${busiest})], or ${worker}). See "Choosing and changing n" in docs/partitions.md.`;
}

/**
 * What a partial row leaves out: its counts are the sums of the partitions read, and those
 * unread must not pass for empty (the warnings on stderr say why each could not be read).
 */
function partialNote(q: QueueStatus): string {
  const missing = q.unreadablePartitions ?? [];
  const them = missing.length === 1 ? 'it' : 'them';
  return terminalText(
    `Partial: the counts of ${q.queue} leave out ${listed(missing)}, which could not be read (see the warning${missing.length === 1 ? '' : 's'} on stderr); jobs may be in ${them}.`,
  );
}

/**
 * What of a queue is paused, by name: the queue when all of it is, else its paused partitions
 * (`emails~1of4`), which `resume` takes one at a time; none when nothing is.
 */
function pausedNames(q: QueueStatus): string[] {
  if (q.paused) return [q.queue];
  return (q.partitions ?? []).filter((p) => p.paused).map((p) => p.queue);
}

/** "3 and 4", "2, 3 and 4". */
function listed(values: ReadonlyArray<number | string>): string {
  const last = values[values.length - 1];
  return values.length < 2 ? String(last) : `${values.slice(0, -1).join(', ')} and ${last}`;
}

/**
 * A worker's queues as the queue table names them: a partitioned queue it reads whole is one
 * name (`bulk (6 partitions)`), not its 6 stored names; the partitions of a queue it reads in
 * part are listed.
 */
function workerQueues(queues: readonly string[]): string {
  const groups = new Map<string, string[]>();
  for (const name of queues) {
    const base = parsePartitionName(name)?.queue ?? name;
    groups.set(base, [...(groups.get(base) ?? []), name]);
  }
  return [...groups]
    .map(([base, names]) => {
      const partitions = names.filter((name) => name !== base);
      const counts = new Set(partitions.map((name) => parsePartitionName(name)?.partitions ?? 0));
      const whole = [...counts].every(
        (n) => partitions.filter((name) => parsePartitionName(name)?.partitions === n).length === n,
      );
      return partitions.length > 1 && whole ? queueLabel(base, names) : names.join(',');
    })
    .join(',');
}
