import { countJobs } from '../analysis.js';
import { check, produce, readRecords, type Scenario, sleep, waitFinal } from '../harness.js';
import { startRig } from '../setup.js';
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
  async run({ quick, dir, progress }) {
    const jobs = quick ? 300 : 2_000;
    const leaseMs = 2_000;
    const stallMs = leaseMs + 1_500;
    const rig = await startRig({
      dir,
      workers: 3,
      worker: { leaseMs, concurrency: 5, reserveWaitMs: 1_000 },
    });
    try {
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
      const ids = [...rig.index().jobs.values()].filter((j) => j.ackedAt).map((j) => j.id);
      await waitFinal(rig.transport, ids, 120_000);
      // A rerun can finish before the stalled run wakes up and hears its ack was stale.
      const stalls = [...rig.index().jobs.values()].flatMap((j) => j.stalls.map((r) => r.t));
      await sleep(Math.max(0, Math.max(0, ...stalls) + stallMs + 1_000 - Date.now()));
      const index = rig.index();
      const records = await readRecords(rig.transport, ids);
      const counts = countJobs(index, { records });
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
        check('lost', counts.lost === 0, String(counts.lost), '= 0'),
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
        check(
          'stalled workers told their ack was stale',
          true,
          `${staleSeen}/${stalled}`,
          'report',
        ),
        check('unplanned worker exits', crashes.length === 0, String(crashes.length), '= 0'),
      ];
      return {
        name: stall.name,
        title: stall.title,
        acked: counts.acked,
        lost: counts.lost,
        duplicated: counts.duplicated,
        unexpected: counts.unexpected,
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
        ok: checks.every((c) => c.ok),
      };
    } finally {
      await rig.close();
    }
  },
};
