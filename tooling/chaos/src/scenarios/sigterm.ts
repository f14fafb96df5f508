import { countJobs, doneCount, lastDoneAt } from '../analysis.js';
import { check, produce, readRecords, type Scenario, waitFinal, waitUntil } from '../harness.js';
import { startRig } from '../setup.js';
import { enqueueWork } from './work.js';

const MIN_MS = 100;
const MAX_MS = 1_000;

/**
 * Scenario 2: SIGTERM workers under load (a rolling deploy). Running jobs finish within
 * the grace period and buffered ones are released, so nothing runs twice.
 */
export const sigterm: Scenario = {
  name: 'sigterm',
  title: 'SIGTERM under load',
  async run({ quick, dir, progress }) {
    const jobs = quick ? 200 : 2_000;
    const stops = quick ? 2 : 12;
    const rig = await startRig({
      dir,
      workers: 3,
      // Prefetch makes buffered (reserved, never started) jobs that stop() must release.
      worker: { leaseMs: 3_000, shutdownGraceMs: 10_000, concurrency: 10, prefetch: 5 },
    });
    const { leaseMs } = rig.settings;
    try {
      await produce({
        client: rig.client,
        ledger: rig.ledger,
        count: jobs,
        batch: 250,
        intervalMs: 0,
        enqueue: enqueueWork(MIN_MS, MAX_MS),
      });
      progress(`${jobs} jobs enqueued; ${stops} SIGTERMs while they run`);
      let lastStop = 0;
      const exits: Array<Promise<unknown>> = [];
      for (let i = 0; i < stops; i++) {
        const target = Math.floor(((i + 1) / stops) * 0.9 * jobs);
        await waitUntil(() => doneCount(rig.index()) >= target, 120_000);
        await waitUntil(() => rig.fleet.alive().length >= 2, 30_000);
        const live = rig.fleet.alive();
        const victim = live[Math.floor(Math.random() * live.length)];
        if (!victim) continue;
        lastStop = Date.now();
        rig.ledger.write('fault', 'SIGTERM', victim.pid);
        await rig.fleet.signal(victim, 'SIGTERM');
        exits.push(victim.exited);
        progress(`SIGTERM ${i + 1}/${stops}: pid ${victim.pid} at ${target}/${jobs} done`);
        void rig.fleet.spawn().catch(() => {});
      }
      const ids = [...rig.index().jobs.values()].filter((j) => j.ackedAt).map((j) => j.id);
      await waitFinal(rig.transport, ids, leaseMs * 4 + 30_000);
      const results = await Promise.all(exits);
      const unclean = results.filter((r) => (r as { code: number | null }).code !== 0).length;
      const index = rig.index();
      const records = await readRecords(rig.transport, ids);
      const counts = countJobs(index, { records });
      const last = lastDoneAt(index);
      const recoveryMs = last !== undefined ? Math.max(0, last - lastStop) : undefined;
      const checks = [
        check('lost', counts.lost === 0, String(counts.lost), '= 0'),
        check('duplicated', counts.duplicated === 0, String(counts.duplicated), '= 0'),
        check('unexpected', counts.unexpected === 0, String(counts.unexpected), '= 0'),
        check('stopped workers exiting non-zero', unclean === 0, String(unclean), '= 0'),
        check(
          'unplanned worker exits',
          rig.fleet.crashes().length === 0,
          String(rig.fleet.crashes().length),
          '= 0',
        ),
      ];
      return {
        name: sigterm.name,
        title: sigterm.title,
        acked: counts.acked,
        lost: counts.lost,
        duplicated: counts.duplicated,
        unexpected: counts.unexpected,
        recoveryMs,
        checks,
        figures: { jobs, sigterms: exits.length, graceMs: rig.settings.shutdownGraceMs },
        notes: [
          ...counts.duplicatedIds.slice(0, 5).map((id) => `duplicated ${id}`),
          ...rig.fleet.crashes(),
        ],
        ok: checks.every((c) => c.ok),
      };
    } finally {
      await rig.close();
    }
  },
};
