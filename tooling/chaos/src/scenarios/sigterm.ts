import { doneCount, lastDoneAt } from '../analysis.js';
import {
  noneCheck,
  produce,
  type Scenario,
  type ScenarioResult,
  scenarioResult,
  waitUntil,
} from '../harness.js';
import { withRig } from '../setup.js';
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
  run({ quick, dir, progress }) {
    const jobs = quick ? 200 : 2_000;
    const stops = quick ? 2 : 12;
    const setup = {
      dir,
      workers: 3,
      // Prefetch makes buffered (reserved, never started) jobs that stop() must release.
      worker: { leaseMs: 3_000, shutdownGraceMs: 10_000, concurrency: 10, prefetch: 5 },
    };
    return withRig(setup, async (rig): Promise<ScenarioResult> => {
      const { leaseMs } = rig.settings;
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
      let results: unknown[] = [];
      const { index, counts } = await rig.finish({
        timeoutMs: leaseMs * 4 + 30_000,
        afterWait: async () => {
          results = await Promise.all(exits);
        },
      });
      const unclean = results.filter((r) => (r as { code: number | null }).code !== 0).length;
      const last = lastDoneAt(index);
      const checks = [
        noneCheck('lost', counts.lost),
        noneCheck('duplicated', counts.duplicated),
        noneCheck('unexpected', counts.unexpected),
        noneCheck('stopped workers exiting non-zero', unclean),
        noneCheck('unplanned worker exits', rig.fleet.crashes().length),
      ];
      return scenarioResult(sigterm, counts, {
        recoveryMs: last !== undefined ? Math.max(0, last - lastStop) : undefined,
        checks,
        figures: { jobs, sigterms: exits.length, graceMs: rig.settings.shutdownGraceMs },
        notes: [
          ...counts.duplicatedIds.slice(0, 5).map((id) => `duplicated ${id}`),
          ...rig.fleet.crashes(),
        ],
      });
    });
  },
};
