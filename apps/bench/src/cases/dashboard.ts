import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Client, createClient, silentLogger } from '@conveyor/core';
import { createDashboard, toNodeHandler } from '@conveyor/dashboard';
import { redisTransport } from '@conveyor/redis';
import type { BenchCase, Metric, RunOutcome } from '../case-types.js';
import { now, payloads } from '../payload.js';
import type { Sizes } from '../plan.js';
import { percentile } from '../stats.js';
import { benchTasks } from '../systems/conveyor.js';

const n = (value: number) => value.toLocaleString('en-US');
/** Untimed requests per endpoint first: connections, script loading, JIT. */
const WARM_UP = 5;
/** Bulk calls in flight while filling (set-up, never timed). */
const FILL_IN_FLIGHT = 4;

const ms = (key: string, label: string, target?: number): Metric => ({
  key,
  label,
  unit: 'ms',
  higherIsBetter: false,
  ...(target !== undefined && { target }),
});

/** The bounds, in server time: the overview under 300 ms, a job page under 100 ms. */
const METRICS: readonly Metric[] = [
  ms('overviewP95Ms', 'overview p95', 300),
  ms('overviewP50Ms', 'overview p50'),
  ms('overviewWallP95Ms', 'overview wall p95'),
  ms('jobP95Ms', 'job page p95', 100),
  ms('jobP50Ms', 'job page p50'),
  ms('jobWallP95Ms', 'job page wall p95'),
];

interface Filled {
  /** Ids spread evenly over the queue, oldest to newest: the job pages asked for. */
  sample: string[];
}

/**
 * Case 10 (issue 16): the dashboard's reads with a deep queue. `createDashboard` with
 * `toNodeHandler` serves over HTTP in the harness process; requests go one at a time.
 * Server time is the dashboard's own `Server-Timing: app;dur=…`; wall time is the client's,
 * from sending the request to the last byte of the answer.
 */
export const dashboard: BenchCase = {
  id: 'dashboard',
  group: 10,
  title: 'Dashboard reads with a deep queue',
  describe: (s) =>
    `${n(s.dashboardJobs)} jobs waiting on one queue (enqueued once in bulk, kept across runs); ${s.dashboardRequests} GET /api/queues (the overview) and ${s.dashboardRequests} GET /api/jobs/<id> (ids spread over the queue), one at a time over HTTP to createDashboard + toNodeHandler; server time from Server-Timing, wall time at the client; Conveyor only`,
  metrics: METRICS,
  heavy: true,
  reuseQueue: true,
  systems: ['conveyor'],
  async run(_system, { url, queue, sizes, state }): Promise<RunOutcome> {
    const transport = redisTransport({ url, logger: silentLogger });
    const client = createClient({ transport });
    let server: Server | undefined;
    const board = createDashboard({ transport, auth: 'none' });
    try {
      let filled = state.get('filled') as Filled | undefined;
      if (!filled) {
        filled = await fillQueue(client, queue, sizes);
        state.set('filled', filled);
      }
      const [counts] = await transport.admin.queueCounts([queue]);
      if (counts?.waiting !== sizes.dashboardJobs) {
        return {
          values: {},
          invalid: `${counts?.waiting ?? 0} jobs waiting, expected ${sizes.dashboardJobs}`,
        };
      }
      server = createServer(toNodeHandler(board));
      const base = await listen(server);
      const overview = await timeRequests(sizes.dashboardRequests, () => `${base}/api/queues`);
      const { sample } = filled;
      const job = await timeRequests(
        sizes.dashboardRequests,
        (i) => `${base}/api/jobs/${encodeURIComponent(sample[i % sample.length] as string)}`,
      );
      const failed = overview.failure ?? job.failure;
      if (failed) return { values: {}, invalid: failed };
      return {
        values: {
          overviewP95Ms: percentile(overview.server, 95),
          overviewP50Ms: percentile(overview.server, 50),
          overviewWallP95Ms: percentile(overview.wall, 95),
          jobP95Ms: percentile(job.server, 95),
          jobP50Ms: percentile(job.server, 50),
          jobWallP95Ms: percentile(job.wall, 95),
        },
      };
    } finally {
      await board.close();
      if (server) await new Promise((resolve) => server?.close(resolve));
      await client.close(); // closes the transport
    }
  },
};

/** Enqueues the jobs through the public client, in bulk; keeps an evenly spread sample of ids. */
async function fillQueue(client: Client, queue: string, sizes: Sizes): Promise<Filled> {
  const { noop } = benchTasks();
  const total = sizes.dashboardJobs;
  const stride = Math.max(1, Math.floor(total / sizes.dashboardRequests));
  const sampled = new Map<number, string>();
  let next = 0;
  const lane = async () => {
    while (next < total) {
      const from = next;
      next += sizes.bulkBatch;
      const handles = await client.enqueueMany(
        noop,
        payloads(Math.min(sizes.bulkBatch, total - from), from),
        { queue },
      );
      handles.forEach((handle, k) => {
        if ((from + k) % stride === 0) sampled.set(from + k, handle.id);
      });
    }
  };
  await Promise.all(Array.from({ length: FILL_IN_FLIGHT }, lane));
  return { sample: [...sampled.entries()].sort(([a], [b]) => a - b).map(([, id]) => id) };
}

interface Timings {
  server: number[];
  wall: number[];
  failure?: string;
}

/** `count` GETs one after another (after a warm-up); each must answer 200 with Server-Timing. */
async function timeRequests(count: number, urlOf: (i: number) => string): Promise<Timings> {
  const timings: Timings = { server: [], wall: [] };
  for (let i = -WARM_UP; i < count; i += 1) {
    const url = urlOf(Math.max(i, 0));
    const start = now();
    const response = await fetch(url);
    await response.arrayBuffer();
    const wall = now() - start;
    const dur = /(?:^|,)\s*app;dur=([\d.]+)/.exec(response.headers.get('server-timing') ?? '');
    if (response.status !== 200 || !dur?.[1]) {
      return {
        ...timings,
        failure: `GET ${new URL(url).pathname} answered ${response.status}${dur ? '' : ' without Server-Timing'}`,
      };
    }
    if (i < 0) continue;
    timings.server.push(Number(dur[1]));
    timings.wall.push(wall);
  }
  return timings;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}
