import {
  check,
  noneCheck,
  reportCheck,
  type Scenario,
  type ScenarioResult,
  scenarioResult,
  seconds,
  waitUntil,
} from '../harness.js';
import { type Rig, withRig } from '../setup.js';
import {
  childrenDone,
  childrenNeverDone,
  completedTwice,
  inFlightByPid,
  unexplainedReruns,
} from '../workflow-analysis.js';
import {
  childrenRerun,
  fanInChecks,
  misplacedStoredResults,
  runsCount,
  startWorkflow,
  statusCheck,
  type WorkflowOutcome,
  waitEnded,
} from './workflow-run.js';

/**
 * A workflow's fan-in under `kill -9`: `prepare`, a map stage of `count` children, the
 * fan-in step `join`, `finish`; the busiest worker is killed `kills` times while the
 * children run, and restarted. The fan-in must complete exactly once, with every child's
 * result in order, and the workflow end `completed`.
 */
export async function fanInUnderKills(
  rig: Rig,
  options: { count: number; kills: number; minMs: number; maxMs: number },
  progress: (message: string) => void,
): Promise<WorkflowOutcome> {
  const { count, kills, minMs, maxMs } = options;
  const { leaseMs } = rig.settings;
  const startedAt = Date.now();
  const workflow = await startWorkflow(rig, { count, minMs, maxMs });
  progress(`workflow ${workflow.handle.id}: ${count} children; ${kills} kills while they run`);
  const killed = new Map<number, number>();
  for (let i = 0; i < kills; i++) {
    // Spread between 10 % and 90 % of the children done.
    const target = Math.floor(count * (0.1 + (0.8 * i) / Math.max(1, kills - 1)));
    await waitUntil(() => childrenDone(workflow.history()) >= target, 180_000);
    await waitUntil(
      () => rig.fleet.alive().length >= Math.min(2, rig.fleet.workers.length),
      120_000,
    );
    // A kill of a worker that holds nothing proves nothing: wait until one holds a child.
    let held = new Map<number, number>();
    await waitUntil(() => {
      held = inFlightByPid(workflow.history());
      return rig.fleet.alive().some((w) => (held.get(w.pid) ?? 0) > 0);
    }, leaseMs * 2);
    const victim = rig.fleet
      .alive()
      .sort((a, b) => (held.get(b.pid) ?? 0) - (held.get(a.pid) ?? 0))[0];
    if (!victim) continue;
    rig.ledger.write('fault', 'SIGKILL', victim.pid);
    await rig.fleet.signal(victim, 'SIGKILL');
    killed.set(victim.pid, Date.now());
    progress(
      `kill ${i + 1}/${kills}: pid ${victim.pid} holding ${held.get(victim.pid) ?? 0} at ${childrenDone(workflow.history())}/${count} children done`,
    );
    // A supervisor restarts it; the others carry on meanwhile.
    void rig.fleet.spawn().catch(() => {});
  }
  const record = await waitEnded(workflow, leaseMs * 10 + count * maxMs + 60_000);
  const elapsedMs = Date.now() - startedAt;
  const result = await workflow.handle.result({ timeout: 1_000 }).catch(() => undefined);
  const history = workflow.history();
  const never = childrenNeverDone(history, 'each', count);
  const unexplained = unexplainedReruns(history, killed);
  const misplaced = await misplacedStoredResults(rig, workflow);
  const crashes = rig.fleet.crashes();
  const checks = [
    statusCheck('workflow ended', record, 'completed'),
    ...fanInChecks(history, count),
    noneCheck('children never completed', never.length),
    noneCheck('reruns not cut short by a kill', unexplained.length),
    noneCheck('stored child results not in place', misplaced),
    check(
      'prepare / finish completed once',
      runsCount(history, 'prepare') === 1 && result?.count === count,
      `prepare ${runsCount(history, 'prepare')}, result ${JSON.stringify(result ?? null)}`,
      `1, { count: ${count} }`,
    ),
    reportCheck('kills', String(killed.size)),
    reportCheck('children run twice (cut short by a kill)', String(childrenRerun(history))),
    reportCheck('children completed twice', String(completedTwice(history).length)),
    reportCheck('start to completed', seconds(elapsedMs)),
    noneCheck('unplanned worker exits', crashes.length),
  ];
  return {
    counts: {
      acked: count,
      lost: never.length,
      duplicated: childrenRerun(history),
      unexpected: unexplained.length,
    },
    checks,
    figures: {
      children: count,
      kills: killed.size,
      childrenCompletedTwice: completedTwice(history).length,
      elapsedMs,
    },
    notes: [
      ...unexplained.slice(0, 5).map((key) => `rerun not cut short by a kill: ${key}`),
      ...never.slice(0, 5).map((i) => `child ${i} never completed`),
      ...crashes,
    ],
  };
}

/** `pnpm chaos --scenarios workflow-fan-in`. */
export const workflowFanIn: Scenario = {
  name: 'workflow-fan-in',
  title: 'workflow fan-in under kill -9',
  run({ quick, dir, progress }) {
    const options = quick
      ? { count: 300, kills: 2, minMs: 50, maxMs: 200 }
      : { count: 1_000, kills: 8, minMs: 50, maxMs: 250 };
    const setup = {
      dir,
      workers: 4,
      worker: { concurrency: 5, leaseMs: 3_000, workflows: true, reserveWaitMs: 1_000 },
    };
    return withRig(setup, async (rig): Promise<ScenarioResult> => {
      const outcome = await fanInUnderKills(rig, options, progress);
      return scenarioResult(workflowFanIn, outcome.counts, outcome);
    });
  },
};
