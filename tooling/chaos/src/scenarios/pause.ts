import type { JobHistory } from '../analysis.js';
import {
  check,
  lostNotes,
  noneCheck,
  produce,
  reportCheck,
  type Scenario,
  type ScenarioResult,
  scenarioResult,
  sleep,
} from '../harness.js';
import { withRig } from '../setup.js';
import { enqueueWork } from './work.js';

/** Completions per `bucketMs`, from `from` on. */
function completions(histories: Iterable<JobHistory>, from: number, bucketMs: number): number[] {
  const buckets: number[] = [];
  for (const history of histories) {
    const first = history.dones[0];
    if (!first || first.t < from) continue;
    const index = Math.floor((first.t - from) / bucketMs);
    buckets[index] = (buckets[index] ?? 0) + 1;
  }
  return Array.from(buckets, (n) => n ?? 0);
}

/**
 * Scenario 7: Redis stops answering (`CLIENT PAUSE … ALL`) for longer than the lease
 * while the producer and the workers run. Throughput must recover within 30 s of the
 * pause ending, and no client may be left blocked on a dead wait.
 */
export const pause: Scenario = {
  name: 'pause',
  title: 'connection drop (CLIENT PAUSE past the lease)',
  run({ quick, dir, progress }) {
    const leaseMs = 2_000;
    const pauseMs = leaseMs + 2_000;
    const seconds = quick ? 8 : 40;
    const rate = 200;
    const setup = { dir, workers: 3, worker: { leaseMs, reserveWaitMs: 1_000 } };
    return withRig(setup, async (rig): Promise<ScenarioResult> => {
      const admin = rig.admin();
      const started = Date.now();
      const producing = produce({
        client: rig.client,
        ledger: rig.ledger,
        count: rate * seconds,
        batch: 10,
        intervalMs: 50,
        enqueue: enqueueWork(10, 50),
      });
      await sleep(Math.floor((seconds * 1000) / 3));
      const before = rig.fleet.alive().map((w) => w.pid);
      const pausedAt = Date.now();
      await admin.client('PAUSE', pauseMs, 'ALL');
      rig.ledger.write('fault', 'CLIENT_PAUSE', pauseMs);
      const pauseEnd = pausedAt + pauseMs;
      progress(`CLIENT PAUSE ${pauseMs} ms ALL (lease ${leaseMs} ms)`);
      await producing;
      let clients: string[] = [];
      const { index, records, counts } = await rig.finish({
        timeoutMs: 60_000,
        // Workers hold blocking reads on an idle queue now: none may be stuck beyond the
        // transport's cap on one BLPOP (5 s), plus slack.
        afterWait: async () => {
          await sleep(1_000);
          clients = String(await admin.client('LIST'))
            .split('\n')
            .filter((line) => / flags=\S*b/.test(line));
        },
      });
      const hanging = clients.filter((line) => Number(/ idle=(\d+)/.exec(line)?.[1] ?? 0) > 8);
      const bucketMs = 1_000;
      const series = completions(index.jobs.values(), started, bucketMs);
      const pauseBucket = Math.floor((pausedAt - started) / bucketMs);
      const baselineSlice = series.slice(1, pauseBucket).filter((n) => n > 0);
      const baseline = baselineSlice.reduce((a, b) => a + b, 0) / Math.max(1, baselineSlice.length);
      const endBucket = Math.floor((pauseEnd - started) / bucketMs);
      // Recovered: the first full second after the pause with at least 80 % of the
      // completions per second before it.
      let recoveryMs: number | undefined;
      for (let b = endBucket + 1; b < series.length; b++) {
        if ((series[b] ?? 0) >= baseline * 0.8) {
          recoveryMs = Math.max(0, started + (b + 1) * bucketMs - pauseEnd);
          break;
        }
      }
      const resumed = before.filter((pid) =>
        [...index.jobs.values()].some((j) => j.dones.some((r) => r.pid === pid && r.t > pauseEnd)),
      );
      const checks = [
        noneCheck('lost', counts.lost),
        check(
          'throughput back to 80 % after the pause',
          recoveryMs !== undefined && recoveryMs <= 30_000,
          recoveryMs === undefined ? 'never' : `${(recoveryMs / 1000).toFixed(1)} s`,
          '≤ 30 s',
        ),
        noneCheck('blocked clients left hanging', hanging.length),
        check(
          'workers that resumed on their own',
          resumed.length === before.length,
          `${resumed.length}/${before.length}`,
          `= ${before.length}/${before.length}`,
        ),
        reportCheck('duplicated (leases expired in the pause)', String(counts.duplicated)),
      ];
      return scenarioResult(pause, counts, {
        recoveryMs,
        checks,
        figures: {
          pauseMs,
          leaseMs,
          baselinePerSec: Math.round(baseline),
          blockedClientsAfter: clients.length,
        },
        notes: [
          ...lostNotes(counts, records),
          ...hanging.map((line) => `hanging: ${line}`),
          ...rig.fleet.crashes(),
        ],
      });
    });
  },
};
