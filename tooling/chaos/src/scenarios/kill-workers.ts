import { busiest, doneCount, lastDoneAt, orphansOf, unexplainedDuplicates } from '../analysis.js';
import {
  check,
  lostNotes,
  noneCheck,
  produce,
  type Scenario,
  type ScenarioResult,
  scenarioResult,
  seconds,
  waitUntil,
} from '../harness.js';
import { withRig } from '../setup.js';
import { enqueueWork } from './work.js';

const MIN_MS = 100;
const MAX_MS = 400;

/** Scenario 1: SIGKILL workers over and over while they work through the jobs. */
export const killWorkers: Scenario = {
  name: 'kill-workers',
  title: 'kill -9 workers',
  run({ quick, dir, progress }) {
    const jobs = quick ? 400 : 2_000;
    const kills = quick ? 3 : 20;
    const setup = {
      dir,
      workers: 4,
      worker: { leaseMs: 3_000, reserveWaitMs: 1_000, concurrency: 5 },
    };
    return withRig(setup, async (rig): Promise<ScenarioResult> => {
      const { leaseMs, reserveWaitMs } = rig.settings;
      await produce({
        client: rig.client,
        ledger: rig.ledger,
        count: jobs,
        batch: 250,
        intervalMs: 0,
        enqueue: enqueueWork(MIN_MS, MAX_MS),
      });
      progress(`${jobs} jobs enqueued; ${kills} kills while they run`);
      const killed = new Map<number, number>();
      let lastKill = 0;
      let lastVictim: number | undefined;
      for (let i = 0; i < kills; i++) {
        // Spread the kills up to 90 % done; the last one at 93 %. A reclaimed job rejoins
        // the tail of its queue, so the bound below holds only once the backlog is short;
        // but at 97 % of the quick run's 400 jobs the last 12 fit the fleet's 20 slots at
        // once and can all finish between two polls for a busy victim, so that kill cut
        // nothing short (seen beside a full CI run).
        const share = i === kills - 1 ? 0.93 : ((i + 1) / kills) * 0.9;
        const target = Math.floor(share * jobs);
        await waitUntil(() => doneCount(rig.index()) >= target, 120_000);
        await waitUntil(() => rig.fleet.alive().length >= 2, 30_000);
        // Near the end, every remaining job can be waiting for the lease of an earlier
        // victim, with no worker holding one: wait until some worker does, or the kill
        // would cut nothing short and prove nothing.
        await waitUntil(() => {
          const pids = rig.fleet.alive().map((w) => w.pid);
          const first = busiest(rig.index(), pids)[0];
          return first !== undefined && orphansOf(rig.index(), first, Date.now()).length > 0;
        }, leaseMs * 2);
        // The worker holding the most jobs: a kill of an idle worker proves nothing.
        const live = rig.fleet.alive();
        const order = busiest(
          rig.index(),
          live.map((w) => w.pid),
        );
        const victim = live.find((w) => w.pid === order[0]);
        if (!victim) continue;
        lastKill = Date.now();
        lastVictim = victim.pid;
        rig.ledger.write('fault', 'SIGKILL', victim.pid);
        await rig.fleet.signal(victim, 'SIGKILL');
        // Its runs count as cut short up to its exit: it runs on while the signal travels.
        killed.set(victim.pid, Date.now());
        progress(`kill ${i + 1}/${kills}: pid ${victim.pid} at ${target}/${jobs} done`);
        // A supervisor restarts it; the others carry on meanwhile.
        void rig.fleet.spawn().catch(() => {});
      }
      const { index, records, counts } = await rig.finish({ timeoutMs: leaseMs * 4 + 30_000 });
      const unexplained = unexplainedDuplicates(index, killed);
      // Every job done within the bound after the last kill, including the jobs that kill
      // cut short (they come back when their lease runs out).
      const last = lastDoneAt(index);
      const orphans =
        lastVictim === undefined
          ? []
          : orphansOf(index, lastVictim, killed.get(lastVictim) ?? lastKill);
      const recoveryMs = last !== undefined ? Math.max(0, last - lastKill) : undefined;
      const recoveryBound = leaseMs + reserveWaitMs + MAX_MS;
      const crashes = rig.fleet.crashes();
      const checks = [
        noneCheck('lost', counts.lost),
        noneCheck('duplicates not in flight at a kill', unexplained.length),
        noneCheck('unexpected', counts.unexpected),
        check(
          'last job done after last kill',
          recoveryMs !== undefined && recoveryMs <= recoveryBound && orphans.length > 0,
          `${seconds(recoveryMs)} (${orphans.length} jobs cut short)`,
          `≤ ${seconds(recoveryBound)} (lease + check interval + longest job)`,
        ),
        noneCheck('unplanned worker exits', crashes.length),
      ];
      return scenarioResult(killWorkers, counts, {
        recoveryMs,
        checks,
        figures: { jobs, kills: killed.size, completedTwice: counts.completedTwice, leaseMs },
        notes: [
          ...unexplained.slice(0, 5).map((id) => `unexplained duplicate ${id}`),
          ...crashes,
          ...lostNotes(counts, records),
        ],
      });
    });
  },
};
