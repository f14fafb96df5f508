import { type Client, createClient, silentLogger } from '@conveyor/core';
import { redisTransport } from '@conveyor/redis';
import { sendCommand } from '@conveyor/test-redis';
import { Cluster } from 'ioredis';
import { indexLedger } from '../analysis.js';
import { startCluster } from '../cluster.js';
import { createFleet } from '../fleet.js';
import {
  ackedIds,
  check,
  finishJobs,
  noneCheck,
  openHarnessLedger,
  produce,
  reportCheck,
  type Scenario,
  scenarioResult,
  sleep,
} from '../harness.js';
import { readLedger } from '../ledger.js';
import { PREFIX } from '../setup.js';
import { workTask } from '../tasks.js';
import { jobMs } from './work.js';

const QUEUES = ['chaos-a', 'chaos-b', 'chaos-c'];

/**
 * Scenario 8: kill -9 of the master that serves a queue, in a local Redis Cluster with
 * one replica per master. Its replica takes over; the workers must carry on by
 * themselves. Replication is asynchronous, so acknowledged enqueues can be lost: that
 * figure is reported. Enqueues acknowledged after the failover must all complete.
 */
export const clusterFailover: Scenario = {
  name: 'cluster-failover',
  title: 'Redis Cluster master killed (replica failover)',
  async run({ quick, dir, progress }) {
    const jobs = quick ? 450 : 4_500;
    const cluster = await startCluster(3);
    const client = new Cluster(cluster.startupNodes, {
      redisOptions: { maxRetriesPerRequest: 10 },
    });
    const transport = redisTransport({ client, prefix: PREFIX, logger: silentLogger });
    const producer: Client = createClient({ transport });
    const ledger = openHarnessLedger(dir);
    const fleet = createFleet({
      ledgerDir: dir,
      cluster: cluster.startupNodes,
      prefix: PREFIX,
      queues: QUEUES,
      concurrency: 10,
      leaseMs: 3_000,
      reserveWaitMs: 1_000,
      shutdownGraceMs: 10_000,
    });
    try {
      await transport.ready();
      await Promise.all([fleet.spawn(), fleet.spawn(), fleet.spawn()]);
      const before = fleet.alive().map((w) => w.pid);
      const slot = Number(
        (
          await sendCommand(cluster.nodes[0]?.port ?? 0, ['CLUSTER', 'KEYSLOT', `{${QUEUES[0]}}`])
        ).slice(1),
      );
      const producing = produce({
        client: producer,
        ledger,
        count: jobs,
        batch: 6,
        intervalMs: 30,
        enqueue: async (c, seqs) => {
          const ids = new Map<number, string>();
          await Promise.all(
            QUEUES.map(async (queue, q) => {
              const mine = seqs.filter((seq) => seq % QUEUES.length === q);
              const inputs = mine.map((seq) => ({ seq, ms: jobMs(seq, 10, 50) }));
              const handles = await c.enqueueMany(workTask, inputs, { queue });
              for (const [n, handle] of handles.entries()) ids.set(mine[n] ?? -1, handle.id);
            }),
          );
          // In seq order, as produce() expects.
          return seqs.map((seq) => ({ id: ids.get(seq) ?? '' }));
        },
      });
      await sleep(Math.floor((jobs / 6) * 30 * 0.4));
      const victim = await cluster.masterOf(slot);
      if (!victim) throw new Error(`[chaos] no master found for slot ${slot}`);
      const killedAt = Date.now();
      ledger.write('fault', 'master-SIGKILL', victim.port);
      await victim.kill('SIGKILL');
      progress(
        `master ${victim.port} (slot ${slot}, queue ${QUEUES[0]}) killed; waiting for its replica`,
      );
      const healthy = await cluster.waitHealthy(slot, 30_000);
      const failoverAt = Date.now();
      progress(
        healthy
          ? `failover after ${((failoverAt - killedAt) / 1000).toFixed(1)} s`
          : 'no failover in 30 s',
      );
      await producing;
      const ledgerIndex = () => indexLedger(readLedger(dir));
      const { index, counts } = await finishJobs({
        transport,
        ids: ackedIds(ledgerIndex()),
        timeoutMs: 60_000,
        index: ledgerIndex,
      });
      const afterFailover = [...index.jobs.values()].filter(
        (j) => j.ackedAt !== undefined && j.ackedAt > failoverAt,
      );
      const lostAfter = afterFailover.filter((j) => j.dones.length === 0).length;
      // The killed master's queue is served again: its first job started after the kill.
      const firstOnQueue = [...index.jobs.values()]
        .filter((j) => j.id.startsWith(`${QUEUES[0]}:`))
        .flatMap((j) => j.starts.map((r) => r.t))
        .filter((t) => t > killedAt + 100)
        .sort((a, b) => a - b)[0];
      const resumed = before.filter((pid) =>
        [...index.jobs.values()].some((j) =>
          j.dones.some((r) => r.pid === pid && r.t > failoverAt),
        ),
      );
      const crashes = fleet.crashes();
      const checks = [
        check('failover happened', healthy, healthy ? 'yes' : 'no', 'yes'),
        reportCheck('acknowledged enqueues lost (async replication)', String(counts.lost)),
        check(
          'enqueues after the failover lost',
          lostAfter === 0,
          `${lostAfter} of ${afterFailover.length}`,
          '= 0',
        ),
        check(
          'workers that carried on',
          resumed.length === before.length && crashes.length === 0,
          `${resumed.length}/${before.length}`,
          `= ${before.length}/${before.length}`,
        ),
        noneCheck('unexpected', counts.unexpected),
      ];
      return scenarioResult(clusterFailover, counts, {
        recoveryMs: firstOnQueue === undefined ? undefined : firstOnQueue - killedAt,
        checks,
        figures: {
          jobs,
          failoverMs: failoverAt - killedAt,
          recordsMissing: counts.recordsMissing,
          lostStates: JSON.stringify(counts.lostStates),
        },
        notes: [...crashes, ...counts.lostIds.slice(0, 3).map((id) => `lost ${id}`)],
      });
    } finally {
      await fleet.stopAll(5_000);
      await transport.close().catch(() => {});
      client.disconnect();
      ledger.close();
      await cluster.stop();
    }
  },
};
