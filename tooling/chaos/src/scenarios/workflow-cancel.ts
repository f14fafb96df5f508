import {
  check,
  noneCheck,
  reportCheck,
  type Scenario,
  type ScenarioResult,
  scenarioResult,
  waitFinal,
  waitUntil,
} from '../harness.js';
import { type Rig, withRig } from '../setup.js';
import {
  childrenDone,
  inFlightAt,
  startsAfterCancel,
  unexplainedReruns,
} from '../workflow-analysis.js';
import {
  runsCount,
  startWorkflow,
  statusCheck,
  type WorkflowOutcome,
  waitEnded,
} from './workflow-run.js';

/**
 * Cancel mid-run: the first `blockFrom` children are quick, the rest sleep until their
 * signal fires. Once the quick ones are done and blocking ones run, the harness cancels
 * (`handle.cancel()`). No step may start after the cancel (counted from the claims the
 * workers logged: a claim sent after the cancel returned must not be granted), every
 * blocking child running at the cancel must see `ctx.signal`, and the fan-in never runs.
 */
export async function cancelMidRun(
  rig: Rig,
  options: { count: number; blockFrom: number },
  progress: (message: string) => void,
): Promise<WorkflowOutcome> {
  const { count, blockFrom } = options;
  const { leaseMs } = rig.settings;
  const workflow = await startWorkflow(rig, { count, minMs: 100, maxMs: 400, blockFrom });
  progress(`workflow ${workflow.handle.id}: ${count} children, from ${blockFrom} on blocking`);
  const blockingInFlight = () =>
    inFlightAt(workflow.history(), Date.now()).filter(({ key }) => childIndex(key) >= blockFrom)
      .length;
  // As soon as blocking children run: quick ones still finish and slots still claim, so
  // claims race the cancel (the prefetched ones ask after it, and must be refused).
  await waitUntil(
    () => childrenDone(workflow.history()) >= blockFrom / 2 && blockingInFlight() >= 2,
    180_000,
  );
  const runningAtCall = blockingInFlight();
  workflow.mark('cancel-call');
  const callAt = Date.now();
  const { cancelled } = await workflow.handle.cancel();
  const cancelledAt = Date.now();
  workflow.mark('cancelled');
  progress(`cancelled: ${cancelled}, with ${runningAtCall} children running`);

  // Every blocking child running at the cancel call must end by its signal.
  const running = () =>
    inFlightAt(workflow.history(), callAt).filter(({ key }) => childIndex(key) >= blockFrom);
  await waitUntil(() => running().every(({ run }) => run.end !== undefined), leaseMs * 4 + 30_000);
  const record = await waitEnded(workflow, 30_000);
  // Once every step job is final, none can start any more: then the ledger is complete.
  const jobIds = (record?.steps ?? []).flatMap((step) => (step.jobId ? [step.jobId] : []));
  const final = await waitFinal(rig.transport, jobIds, leaseMs * 4 + 30_000);

  const history = workflow.history();
  const atCancel = inFlightAt(history, callAt).filter(({ key }) => childIndex(key) >= blockFrom);
  const aborted = atCancel.filter(({ run }) => run.end === 'abort').length;
  const after = startsAfterCancel(history, cancelledAt);
  const started = [...history.steps.keys()].filter((key) => key.startsWith('each#')).length;
  const unexplained = unexplainedReruns(history, new Map());
  // Prefetched step jobs that asked after the cancel: what the zero above is made of.
  const refusedAfter = history.claims.filter(
    (c) => c.sentAt > cancelledAt && c.outcome !== 'claimed',
  ).length;
  const crashes = rig.fleet.crashes();
  const checks = [
    check('cancel accepted', cancelled, String(cancelled), 'true'),
    statusCheck('workflow ended', record, 'cancelled'),
    noneCheck('claims granted after the cancel', after.grantedAfter.length),
    noneCheck('steps started after the cancel', after.late.length),
    check(
      'running children that saw ctx.signal',
      atCancel.length > 0 && aborted === atCancel.length,
      `${aborted} of ${atCancel.length}`,
      'all, ≥ 1',
    ),
    noneCheck('fan-in runs', runsCount(history, 'join')),
    check('step jobs final', final, final ? 'all' : 'some still live', 'all'),
    reportCheck('starts logged after the cancel, claimed before it', String(after.raced.length)),
    reportCheck('claims refused after the cancel', String(refusedAfter)),
    reportCheck('children never started', String(count - started)),
    noneCheck('unplanned worker exits', crashes.length),
  ];
  return {
    counts: {
      acked: count,
      lost: 0,
      duplicated: 0,
      unexpected: after.late.length + unexplained.length,
    },
    checks,
    figures: {
      children: count,
      blockFrom,
      runningAtCancel: atCancel.length,
      aborted,
      started,
      refusedAfter,
    },
    notes: [
      ...after.late.slice(0, 5).map((key) => `started after the cancel: ${key}`),
      ...after.grantedAfter
        .slice(0, 5)
        .map(
          (c) =>
            `claim granted after the cancel: ${c.step}#${c.child} sent ${c.sentAt - cancelledAt} ms after`,
        ),
      ...atCancel
        .filter(({ run }) => run.end !== 'abort')
        .slice(0, 5)
        .map(({ key, run }) => `running at the cancel, ended ${run.end ?? 'never'}: ${key}`),
      ...crashes,
    ],
  };
}

function childIndex(key: string): number {
  const [, child] = key.split('#');
  return child === undefined ? -1 : Number(child);
}

/** `pnpm chaos --scenarios workflow-cancel`. */
export const workflowCancel: Scenario = {
  name: 'workflow-cancel',
  title: 'cancel a workflow mid-run',
  run({ quick, dir, progress }) {
    const options = quick ? { count: 200, blockFrom: 100 } : { count: 1_000, blockFrom: 500 };
    const setup = {
      dir,
      workers: 2,
      // Jobs reserved ahead wait in the workers at the cancel: they must not start either (the
      // cancel drops them, or their claim is refused).
      worker: {
        concurrency: 5,
        prefetch: 10,
        leaseMs: 3_000,
        workflows: true,
        reserveWaitMs: 1_000,
      },
    };
    return withRig(setup, async (rig): Promise<ScenarioResult> => {
      const outcome = await cancelMidRun(rig, options, progress);
      return scenarioResult(workflowCancel, outcome.counts, outcome);
    });
  },
};
