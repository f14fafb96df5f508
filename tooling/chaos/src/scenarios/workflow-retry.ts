import {
  check,
  noneCheck,
  type Scenario,
  type ScenarioResult,
  scenarioResult,
} from '../harness.js';
import { type Rig, withRig } from '../setup.js';
import { childrenNeverDone, runsOf, stepKey, unexplainedReruns } from '../workflow-analysis.js';
import {
  childrenRerun,
  fanInChecks,
  runsCount,
  startWorkflow,
  statusCheck,
  type WorkflowOutcome,
  waitEnded,
} from './workflow-run.js';

/**
 * Retry from the failed step: the fan-in step `join` fails on its first run (a
 * `NonRetryableError`), so the workflow fails; the harness retries it (`handle.retry()`).
 * `prepare` and every child must have run exactly once, `join` twice (the failure, then
 * the run after the retry), `finish` once and only after the retry.
 */
export async function retryFromStep(
  rig: Rig,
  options: { count: number },
  progress: (message: string) => void,
): Promise<WorkflowOutcome> {
  const { count } = options;
  const timeoutMs = rig.settings.leaseMs * 4 + count * 50 + 60_000;
  const workflow = await startWorkflow(rig, { count, minMs: 5, maxMs: 30, failJoinOnce: true });
  progress(`workflow ${workflow.handle.id}: ${count} children; join fails on its first run`);
  const failed = await waitEnded(workflow, timeoutMs);
  workflow.mark('retry-call');
  const callAt = Date.now();
  const { retried } = await workflow.handle.retry();
  workflow.mark('retried');
  progress(`failed at ${failed?.failure?.step ?? '?'}; retried: ${retried}`);
  const record = await waitEnded(workflow, timeoutMs);
  const result = await workflow.handle.result({ timeout: 1_000 }).catch(() => undefined);

  const history = workflow.history();
  const never = childrenNeverDone(history, 'each', count);
  const joins = runsOf(history, stepKey('join', -1));
  const finishes = runsOf(history, stepKey('finish', -1));
  const unexplained = unexplainedReruns(history, new Map());
  const crashes = rig.fleet.crashes();
  const checks = [
    check(
      'first run failed at join',
      failed?.status === 'failed' && failed.failure?.step === 'join',
      `${failed?.status ?? 'no record'} at ${failed?.failure?.step ?? '–'}`,
      'failed at join',
    ),
    check('retry accepted', retried, String(retried), 'true'),
    statusCheck('workflow ended', record, 'completed'),
    check('result', result?.count === count, JSON.stringify(result ?? null), `{ count: ${count} }`),
    check(
      'prepare runs',
      runsCount(history, 'prepare') === 1,
      String(runsCount(history, 'prepare')),
      '= 1',
    ),
    noneCheck('children run more than once', childrenRerun(history)),
    noneCheck('children never completed', never.length),
    check(
      'join runs',
      joins.length === 2 && joins[0]?.end === 'fail' && joins[1]?.end === 'done',
      joins.map((r) => r.end ?? 'open').join(', ') || 'none',
      'fail, done',
    ),
    check(
      'finish runs, after the retry',
      finishes.length === 1 && (finishes[0]?.t ?? 0) >= callAt && finishes[0]?.end === 'done',
      `${finishes.length}${finishes[0] ? `, ${finishes[0].t - callAt} ms after the call` : ''}`,
      '1, after the retry call',
    ),
    ...fanInChecks(history, count),
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
    figures: { children: count },
    notes: [...unexplained.slice(0, 5).map((key) => `ran again: ${key}`), ...crashes],
  };
}

/** `pnpm chaos --scenarios workflow-retry`. */
export const workflowRetry: Scenario = {
  name: 'workflow-retry',
  title: 'retry a workflow from its failed step',
  run({ quick, dir, progress }) {
    const setup = {
      dir,
      workers: 2,
      worker: { concurrency: 5, leaseMs: 3_000, workflows: true, reserveWaitMs: 1_000 },
    };
    return withRig(setup, async (rig): Promise<ScenarioResult> => {
      const outcome = await retryFromStep(rig, { count: quick ? 200 : 1_000 }, progress);
      return scenarioResult(workflowRetry, outcome.counts, outcome);
    });
  },
};
