import {
  check,
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
 * Scenario 4: a job blocks its worker's event loop past the lease on 1 % of jobs (first
 * attempt only). Its lease runs out, another worker runs it again, and the stalled
 * worker's late ack must be rejected: each job ends in exactly one final state, with the
 * result of a run whose ack was accepted.
 */
export const stall: Scenario = {
  name: 'stall',
  title: 'event-loop stall past the lease',
  run({ quick, dir, progress }) {
    const jobs = quick ? 300 : 2_000;
    const leaseMs = 2_000;
    const stallMs = leaseMs + 1_500;
    const setup = { dir, workers: 3, worker: { leaseMs, concurrency: 5, reserveWaitMs: 1_000 } };
    return withRig(setup, async (rig): Promise<ScenarioResult> => {
      // Every 100th job stalls: 1 %.
      await produce({
        client: rig.client,
        ledger: rig.ledger,
        count: jobs,
        batch: 50,
        intervalMs: 50,
        enqueue: enqueueWork(20, 100, (seq) => (seq % 100 === 50 ? { stallMs } : {})),
      });
      progress(
        `${jobs} jobs enqueued, ${Math.round(jobs / 100)} of them block the loop for ${stallMs} ms`,
      );
      const { index, records, counts } = await rig.finish({
        timeoutMs: 120_000,
        // A rerun can finish before the stalled run wakes up and hears its ack was stale.
        afterWait: async () => {
          const stalls = [...rig.index().jobs.values()].flatMap((j) => j.stalls.map((r) => r.t));
          await sleep(Math.max(0, Math.max(0, ...stalls) + stallMs + 1_000 - Date.now()));
        },
      });
      let stalled = 0;
      let acceptedStale = 0;
      let staleSeen = 0;
      const notes: string[] = [];
      for (const history of index.jobs.values()) {
        if (history.stalls.length === 0) continue;
        stalled += 1;
        const record = records.get(history.id);
        const result = record?.result as { pid?: number; attempt?: number } | undefined;
        const stalledRun = history.stalls[0];
        if (stalledRun && history.stale.includes(stalledRun.pid)) staleSeen += 1;
        // The stalled run outlived its lease: if its result is the one stored, its ack was taken.
        if (
          result &&
          stalledRun &&
          result.pid === stalledRun.pid &&
          result.attempt === stalledRun.attempt
        ) {
          acceptedStale += 1;
          notes.push(
            `stale ack accepted for ${history.id} (pid ${stalledRun.pid}, attempt ${stalledRun.attempt})`,
          );
        }
      }
      const notCompleted = [...records.values()].filter((r) => r?.state !== 'completed').length;
      const crashes = rig.fleet.crashes();
      const checks = [
        noneCheck('lost', counts.lost),
        check(
          'stale acks accepted',
          acceptedStale === 0,
          `${acceptedStale} of ${stalled} stalled runs`,
          '= 0',
        ),
        check(
          'jobs not in exactly one final state (completed)',
          notCompleted === 0 && counts.unexpected === 0,
          String(notCompleted + counts.unexpected),
          '= 0',
        ),
        reportCheck('stalled workers told their ack was stale', `${staleSeen}/${stalled}`),
        noneCheck('unplanned worker exits', crashes.length),
      ];
      return scenarioResult(stall, counts, {
        checks,
        figures: {
          jobs,
          stalled,
          stallMs,
          leaseMs,
          staleAcksRejectedSeen: staleSeen,
          completedTwice: counts.completedTwice,
        },
        notes: [...notes.slice(0, 5), ...crashes],
      });
    });
  },
};
