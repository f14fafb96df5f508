import { lastDoneAt } from '../analysis.js';
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

/**
 * Scenario 3: kill -9 of redis-server mid-run, then a restart on the same port and
 * directory. The producer keeps enqueueing and the workers keep running throughout.
 */
export function redisRestart(appendfsync: 'always' | 'everysec'): Scenario {
  const scenario: Scenario = {
    name: `redis-restart-${appendfsync}`,
    title: `Redis killed and restarted (appendfsync ${appendfsync})`,
    run({ quick, dir, progress }) {
      const jobs = quick ? 800 : 4_000;
      const downMs = 1_000;
      const setup = { dir, workers: 2, redis: { appendfsync }, worker: { leaseMs: 3_000 } };
      return withRig(setup, async (rig): Promise<ScenarioResult> => {
        const before = rig.fleet.alive().map((w) => w.pid);
        const producing = produce({
          client: rig.client,
          ledger: rig.ledger,
          count: jobs,
          batch: 5,
          intervalMs: 20,
          enqueue: enqueueWork(10, 80),
        });
        // Kill once about 40 % is enqueued (5 jobs per 20 ms).
        await sleep(Math.floor(jobs * 0.4 * 4));
        const killedAt = Date.now();
        rig.ledger.write('fault', 'redis-SIGKILL', rig.redis.pid ?? -1);
        await rig.redis.kill('SIGKILL');
        progress(`redis-server killed (-9); restarting in ${downMs} ms`);
        await sleep(downMs);
        await rig.redis.restart();
        const restartedAt = Date.now();
        rig.ledger.write('fault', 'redis-restart', rig.redis.pid ?? -1);
        progress('redis-server restarted; producer and workers carry on');
        const produced = await producing;
        const { index, records, counts } = await rig.finish({ timeoutMs: 60_000 });
        // Workers resume on their own: every worker from before the kill completes jobs after the restart.
        const resumed = before.filter((pid) =>
          [...index.jobs.values()].some((j) =>
            j.dones.some((r) => r.pid === pid && r.t > restartedAt),
          ),
        );
        let firstAfter: number | undefined;
        for (const j of index.jobs.values()) {
          for (const r of j.dones)
            if (r.t > restartedAt && (firstAfter === undefined || r.t < firstAfter))
              firstAfter = r.t;
        }
        const recoveryMs = firstAfter === undefined ? undefined : firstAfter - restartedAt;
        const always = appendfsync === 'always';
        const crashes = rig.fleet.crashes();
        const checks = [
          check(
            'acknowledged enqueues lost',
            !always || counts.lost === 0,
            String(counts.lost),
            always ? '= 0' : 'report',
          ),
          check(
            'workers resumed without a restart',
            resumed.length === before.length && crashes.length === 0,
            `${resumed.length}/${before.length}`,
            `= ${before.length}/${before.length}`,
          ),
          noneCheck('unexpected', counts.unexpected),
          reportCheck('duplicated (reran after the outage)', String(counts.duplicated)),
          reportCheck('enqueues refused during the outage', String(produced.failed)),
        ];
        return scenarioResult(scenario, counts, {
          recoveryMs,
          checks,
          figures: {
            jobs,
            downMs: restartedAt - killedAt,
            enqueueFailed: produced.failed,
            unackedRan: counts.unackedRan,
            recordsMissing: counts.recordsMissing,
            lastDoneAfterRestartMs: (lastDoneAt(index) ?? restartedAt) - restartedAt,
          },
          notes: [
            ...lostNotes(counts, records),
            ...counts.unexpectedIds.slice(0, 5).map((id) => `unexpected ${id}`),
            ...crashes,
          ],
        });
      });
    },
  };
  return scenario;
}
