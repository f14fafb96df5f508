import {
  applyWorkflowEffects,
  type ClaimOutcome,
  MAX_WORKFLOW_BATCH,
  type StepAddress,
  type StepOutcome,
  type TransportWith,
} from '@conveyor/core';

export interface WorkflowStepBatches {
  /** `claim`, gathered with the other claims of the workflow into one `claimMany` [W16]. */
  claim(workflowId: string, address: StepAddress): Promise<ClaimOutcome>;
  /**
   * `record`, gathered with the workflow's other outcomes into one `recordMany` [W16]; the
   * batch's effects (what became ready, jobs to cancel) are applied before it resolves.
   */
  record(workflowId: string, address: StepAddress, outcome: StepOutcome): Promise<void>;
}

interface Waiting<I, R> {
  item: I;
  resolve: (answer: R) => void;
  reject: (error: unknown) => void;
}

type RecordItem = { address: StepAddress; outcome: StepOutcome };

/** One workflow's claims and records waiting for their call, and whether one is in flight. */
interface Lane {
  claims: Array<Waiting<StepAddress, ClaimOutcome>>;
  records: Array<Waiting<RecordItem, void>>;
  busy: boolean;
  /** A send is due once the current turn of the event loop is over. */
  scheduled: boolean;
}

/**
 * The worker's claims and records of step jobs, batched per workflow: a map stage's
 * children reserved together are claimed in one call, and their outcomes recorded in few,
 * each followed by one `applyWorkflowEffects` (docs/workflows.md §11). The hand-off order of
 * each job stays claim, run, record, enqueue, `dispatched`, then its settlement.
 *
 * A workflow has one lane: one call in flight at a time, claims or records, and the next
 * goes once the turn of the event loop that answered it is over (`setImmediate`), so that
 * what the answer set off joins it: the jobs whose outcomes were recorded settle and free
 * their slots, the jobs that take those slots claim, all in one call. Without the shared
 * lane a job that started apart from the others (in the slot an `expand` job held) would
 * claim and record alone in every round, a call of its own each time, for the whole stage.
 */
export function createWorkflowStepBatches(
  transport: TransportWith<'workflows'>,
): WorkflowStepBatches {
  const { workflows } = transport;
  const lanes = new Map<string, Lane>();

  function laneOf(id: string): Lane {
    let lane = lanes.get(id);
    if (lane === undefined) {
      lane = { claims: [], records: [], busy: false, scheduled: false };
      lanes.set(id, lane);
    }
    if (!lane.busy && !lane.scheduled) schedule(id, lane);
    return lane;
  }

  function schedule(id: string, lane: Lane): void {
    lane.scheduled = true;
    setImmediate(() => {
      lane.scheduled = false;
      send(id, lane);
    });
  }

  function send(id: string, lane: Lane): void {
    if (lane.busy) return;
    // Outcomes first: recording them frees slots (and hands on what became ready).
    const call =
      lane.records.length > 0
        ? flush(lane.records.splice(0, MAX_WORKFLOW_BATCH), async (items) => {
            const result = await workflows.recordMany(id, items);
            await applyWorkflowEffects(transport, id, result);
            return [];
          })
        : lane.claims.length > 0
          ? flush(lane.claims.splice(0, MAX_WORKFLOW_BATCH), (addresses) =>
              workflows.claimMany(id, addresses),
            )
          : undefined;
    if (call === undefined) {
      lanes.delete(id);
      return;
    }
    lane.busy = true;
    void call.finally(() => {
      lane.busy = false;
      if (lane.records.length > 0 || lane.claims.length > 0) schedule(id, lane);
      else lanes.delete(id);
    });
  }

  /** One call for `batch`; answers each waiting item (or rejects all with the call's error). */
  async function flush<I, R>(
    batch: Array<Waiting<I, R>>,
    call: (items: I[]) => Promise<R[]>,
  ): Promise<void> {
    let answers: R[];
    try {
      answers = await call(batch.map((entry) => entry.item));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    for (let index = 0; index < batch.length; index++) {
      batch[index]?.resolve(answers[index] as R);
    }
  }

  return {
    claim: (id, address) =>
      new Promise<ClaimOutcome>((resolve, reject) => {
        laneOf(id).claims.push({ item: address, resolve, reject });
      }),
    record: (id, address, outcome) =>
      new Promise<void>((resolve, reject) => {
        laneOf(id).records.push({ item: { address, outcome }, resolve, reject });
      }),
  };
}
