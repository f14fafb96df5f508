import {
  type BenchCase,
  type CaseContext,
  JOBS_PER_SEC,
  type Metric,
  type RunOutcome,
  WORKER_CPU,
} from '../case-types.js';
import type { Sizes } from '../plan.js';
import { type BenchCluster, startBenchCluster } from '../redis-cluster.js';
import type { SystemAdapter } from '../systems/types.js';
import { checkPending, fill } from './fill.js';

/** Masters of the local cluster; the partitioned case uses as many partitions. */
export const CLUSTER_MASTERS = 3;
const CONCURRENCY = 50;
const CLUSTER_KEY = 'cluster';

const n = (value: number) => value.toLocaleString('en-US');

const perJob = (key: string, label: string, ratio = false): Metric => ({
  key,
  label,
  unit: 'µs/job',
  higherIsBetter: false,
  ...(ratio && { ratio }),
});

function metrics(partitions: number): Metric[] {
  return [
    JOBS_PER_SEC,
    perJob('redisCpuUsPerJob', 'Redis CPU, all masters', true),
    // What bounds one queue's throughput: the busiest master runs out of core first.
    perJob('busiestUsPerJob', 'busiest master', true),
    perJob('secondUsPerJob', '2nd master'),
    perJob('thirdUsPerJob', '3rd master'),
    { key: 'busiestShare', label: 'busiest share', unit: '%', higherIsBetter: false },
    {
      key: 'spreadPct',
      label: 'spread',
      unit: '± % of mean',
      higherIsBetter: false,
      // Issue 19: n partitions on n masters spread the Redis CPU within ±20 %.
      ...(partitions > 1 && { target: 20 }),
    },
    WORKER_CPU,
  ];
}

/** Generous: a run slower than 200 jobs/s (plus 30 s) is reported as missing jobs. */
function timeoutFor(jobs: number): number {
  return 30_000 + (jobs / 200) * 1_000;
}

async function clusterOf(context: CaseContext): Promise<BenchCluster> {
  let cluster = context.state.get(CLUSTER_KEY) as BenchCluster | undefined;
  if (!cluster) {
    cluster = await startBenchCluster(CLUSTER_MASTERS);
    context.state.set(CLUSTER_KEY, cluster);
  }
  return cluster;
}

/**
 * Redis CPU per job of each master (slot order), and the figures derived from it. The
 * spread is the largest distance of a master from the masters' mean, in % of the mean.
 */
export function perMaster(cpuMsDeltas: readonly number[], jobs: number) {
  const usPerJob = cpuMsDeltas.map((ms) => (ms * 1_000) / jobs);
  const total = usPerJob.reduce((sum, value) => sum + value, 0);
  const mean = total / usPerJob.length;
  const sorted = [...usPerJob].sort((a, b) => b - a);
  const spread = Math.max(...usPerJob.map((value) => Math.abs(value - mean))) / mean;
  return {
    usPerJob,
    total,
    sorted,
    busiestShare: total > 0 ? ((sorted[0] ?? 0) / total) * 100 : 0,
    spreadPct: mean > 0 ? spread * 100 : 0,
  };
}

async function clusterRun(
  system: SystemAdapter,
  context: CaseContext,
  partitions: number | undefined,
): Promise<RunOutcome> {
  const { url, queue, sizes, pool } = context;
  const cluster = await clusterOf(context);
  await cluster.flush();
  const target = { url, cluster: cluster.startupNodes, queue, partitions };
  const jobs = sizes.cluster;
  const producer = await system.createProducer(target);
  try {
    await fill(producer, jobs, sizes.bulkBatch);
    let atGo: number[] = [];
    let atEnd: number[] = [];
    const result = await pool.run({
      system: system.name,
      processes: sizes.clusterProcesses,
      consumer: { ...target, concurrency: CONCURRENCY },
      until: (counts) => counts.completed >= jobs,
      timeoutMs: timeoutFor(jobs),
      beforeGo: async () => {
        atGo = await cluster.cpuMs();
      },
      onReached: async () => {
        atEnd = await cluster.cpuMs();
      },
    });
    const done = result.completed;
    const elapsedMs = result.lastAt - result.startedAt;
    const masters = perMaster(
      atEnd.map((ms, i) => ms - (atGo[i] ?? ms)),
      done,
    );
    const outcome: RunOutcome = {
      values: {
        completed: done,
        jobsPerSec: done / (elapsedMs / 1_000),
        redisCpuUsPerJob: masters.total,
        busiestUsPerJob: masters.sorted[0] ?? 0,
        secondUsPerJob: masters.sorted[1] ?? 0,
        thirdUsPerJob: masters.sorted[2] ?? 0,
        busiestShare: masters.busiestShare,
        spreadPct: masters.spreadPct,
        workerCpuMsPer1k: result.cpuMicros / done,
      },
      notes: [
        `µs/job by master in slot order (${cluster.masters
          .map((m) => m.slots)
          .join(' | ')}): ${masters.usPerJob.map((v) => v.toFixed(1)).join(' | ')}`,
      ],
    };
    if (!result.reached) {
      return {
        ...outcome,
        invalid: `${jobs - done} of ${jobs} jobs missing after ${Math.round(timeoutFor(jobs) / 1_000)} s`,
      };
    }
    const check = await checkPending(producer, 0);
    return { ...outcome, ...check, notes: [...(outcome.notes ?? []), ...(check.notes ?? [])] };
  } finally {
    await producer.close();
  }
}

function clusterCase(partitions: 1 | typeof CLUSTER_MASTERS): BenchCase {
  const spread = partitions > 1;
  return {
    id: `cluster-${partitions}`,
    group: 13,
    title: spread
      ? `One queue in ${partitions} partitions on a ${CLUSTER_MASTERS}-master Redis Cluster`
      : `One queue, one slot, on a ${CLUSTER_MASTERS}-master Redis Cluster`,
    describe: (s: Sizes) =>
      `a private local Cluster of ${CLUSTER_MASTERS} masters (no replicas); ${n(s.cluster)} jobs queued on one queue ${
        spread
          ? `declared with partitions: ${partitions} (one hash slot near each master's middle)`
          : 'with no partitions (one hash slot; BullMQ with the {bull} prefix its docs ask for)'
      }, then ${s.clusterProcesses} worker processes at concurrency ${CONCURRENCY} each; Redis CPU is INFO used_cpu_user + used_cpu_sys of each master from go to the last acknowledgement, per job, masters sorted busiest first`,
    metrics: metrics(partitions),
    heavy: true,
    // BullMQ keeps one queue in one slot (its docs' hash-tag prefix); only Conveyor partitions.
    systems: spread ? ['conveyor'] : ['conveyor', 'bullmq'],
    processes: (s) => s.clusterProcesses,
    run: (system, context) => clusterRun(system, context, spread ? partitions : undefined),
    async finish(state) {
      const cluster = state.get(CLUSTER_KEY) as BenchCluster | undefined;
      state.delete(CLUSTER_KEY);
      await cluster?.stop();
    },
  };
}

/** Issue 19: one hot queue on a 3-master Cluster, unpartitioned and in 3 partitions. */
export const clusterOneSlot = clusterCase(1);
export const clusterPartitioned = clusterCase(CLUSTER_MASTERS);
