import type { QueueCounts, WorkerRecord } from '@conveyor/core';
import type { Connection } from '../connection.js';
import { maskPassword } from '../connection-settings.js';
import { formatDuration, type Io, printJson, renderTable } from '../output.js';

export interface StatusSnapshot {
  /** Local clock when taken, ms since the epoch. */
  at: number;
  redis: string;
  prefix: string;
  queues: QueueCounts[];
  workers: Array<WorkerRecord & { heartbeatAgeMs: number | null }>;
}

/** Reads queue counts and live workers: one script call per queue plus two commands. */
export async function takeSnapshot(
  connection: Connection,
  only: readonly string[] | undefined,
): Promise<StatusSnapshot> {
  const { admin, settings } = connection;
  const [known, workers] = await Promise.all([admin.listQueues(), admin.listWorkers()]);
  // Queues a worker consumes show up even before their first job.
  const names = only ?? [...new Set([...known, ...workers.flatMap((w) => w.queues)])].sort();
  const queues = await admin.queueCounts(names);
  const at = Date.now();
  return {
    at,
    redis: maskPassword(settings.url),
    prefix: settings.prefix,
    queues,
    workers: workers.map((worker) => ({
      ...worker,
      heartbeatAgeMs:
        worker.heartbeatAt === undefined ? null : Math.max(0, at - worker.heartbeatAt),
    })),
  };
}

/** The human view: a table of queues, a table of workers, then each worker's jobs. */
export function describeStatus(snapshot: StatusSnapshot): string[] {
  const lines: string[] = [];
  const { queues, workers, at } = snapshot;
  lines.push(`Redis ${snapshot.redis}, prefix ${snapshot.prefix}`);
  lines.push('');
  if (queues.length === 0) {
    lines.push('No queues yet: nothing has been enqueued under this prefix.');
  } else {
    const total = (pick: (q: QueueCounts) => number) => queues.reduce((n, q) => n + pick(q), 0);
    const rows = [
      ...queues,
      ...(queues.length > 1
        ? [
            {
              queue: '(total)',
              waiting: total((q) => q.waiting),
              delayed: total((q) => q.delayed),
              active: total((q) => q.active),
              dead: total((q) => q.dead),
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
      ]),
    );
  }
  lines.push('');
  if (workers.length === 0) {
    lines.push('No live workers. Start one with `conveyor worker --tasks <module>`.');
    return lines;
  }
  lines.push(`${workers.length} live worker${workers.length === 1 ? '' : 's'}:`);
  lines.push(
    ...renderTable(workers, [
      { header: 'WORKER', value: (w) => w.id },
      { header: 'HOST', value: (w) => w.hostname },
      { header: 'PID', value: (w) => w.pid },
      { header: 'STATE', value: (w) => w.state },
      { header: 'QUEUES', value: (w) => w.queues.join(',') },
      { header: 'CONCURRENCY', value: (w) => w.concurrency },
      { header: 'IN-FLIGHT', value: (w) => w.jobs.length },
      {
        header: 'DONE/FAILED/RETRIED',
        value: (w) => `${w.counts.completed}/${w.counts.failed}/${w.counts.retried}`,
        align: 'right',
      },
      { header: 'UP', value: (w) => formatDuration(at - w.startedAt), align: 'right' },
      {
        header: 'HEARTBEAT',
        value: (w) => (w.heartbeatAgeMs === null ? '-' : `${formatDuration(w.heartbeatAgeMs)} ago`),
        align: 'right',
      },
    ]),
  );
  for (const worker of workers) {
    if (worker.jobs.length === 0) continue;
    lines.push('');
    lines.push(`${worker.id} is running:`);
    for (const job of worker.jobs) {
      const ran = job.startedAt === undefined ? '' : `, ${formatDuration(at - job.startedAt)}`;
      lines.push(`  ${job.id}  ${job.task} (attempt ${job.attempt}${ran})`);
    }
  }
  return lines;
}

/**
 * `conveyor status`: queue counts and live workers. With `watch` it redraws every
 * `watch` seconds until interrupted (one JSON document per line with `--json`).
 */
export async function showStatus(
  connection: Connection,
  options: { json?: boolean; queues?: string[]; watch?: number; signal?: AbortSignal },
  io: Io,
): Promise<void> {
  const print = (snapshot: StatusSnapshot, redraw: boolean) => {
    if (options.json) {
      if (options.watch) io.stdout(JSON.stringify(snapshot));
      else printJson(io, snapshot);
      return;
    }
    if (redraw) io.stdout('\x1b[2J\x1b[H');
    for (const line of describeStatus(snapshot)) io.stdout(line);
  };
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
    await sleep(options.watch * 1_000, signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
