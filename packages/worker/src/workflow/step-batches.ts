import {
  type ClaimOutcome,
  MAX_WORKFLOW_BATCH,
  type StepAddress,
  type StepOutcome,
  type TransportWith,
} from '@conveyor/core';
import { applyWorkflowEffects } from '@conveyor/core/worker';

export interface WorkflowStepBatches {
  /** `claim`, gathered with the other claims of the workflow into one `claimMany` [W16]. */
  claim(workflowId: string, address: StepAddress): Promise<ClaimOutcome>;
  /**
   * `record`, gathered with the workflow's other outcomes into one `recordMany` [W16]; the
   * batch's effects (what became ready, jobs to cancel) are applied before it resolves, with
   * whether this outcome was recorded and the workflow's status after the batch.
   */
  record(workflowId: string, address: StepAddress, outcome: StepOutcome): Promise<RecordAnswer>;
}

/** What one outcome's `record` came to. */
export interface RecordAnswer {
  recorded: boolean;
  /** The workflow's status after its batch (`unknown` without the workflow). */
  status: string;
}

interface Waiting<I, R> {
  item: I;
  resolve: (answer: R) => void;
  reject: (error: unknown) => void;
}

type RecordItem = { address: StepAddress; outcome: StepOutcome };

/** One workflow's claims and records waiting for their calls, and which are in flight. */
interface Lane {
  claims: Array<Waiting<StepAddress, ClaimOutcome>>;
  records: Array<Waiting<RecordItem, RecordAnswer>>;
  claiming: boolean;
  recording: boolean;
  /** A send is due once the current turn of the event loop is over. */
  scheduled: boolean;
}

/**
 * The worker's claims and records of step jobs, batched per workflow: a map stage's
 * children reserved together are claimed in one call, and their outcomes recorded in few,
 * each followed by one `applyWorkflowEffects` (docs/workflows.md §11). The hand-off order of
 * each job stays claim, run, record, enqueue, `dispatched`, then its settlement.
 *
 * A workflow has one lane, with at most one claim call and one record call in flight: the
 * two concern different jobs (a job records only once its claim is answered), so the claims
 * of the jobs waiting in the buffer travel while the running jobs' outcomes are recorded,
 * and neither waits on the other. The next call of a kind goes once the turn of the event
 * loop that answered the last one is over (`setImmediate`), so that what the answer set off
 * joins it: the jobs whose outcomes were recorded settle and free their slots, the jobs that
 * take those slots start, all in one call. Without the shared lane a job that started apart
 * from the others (in the slot an `expand` job held) would claim and record alone in every
 * round, a call of its own each time, for the whole stage.
 */
export function createWorkflowStepBatches(
  transport: TransportWith<'workflows'>,
): WorkflowStepBatches {
  const { workflows } = transport;
  const lanes = new Map<string, Lane>();

  function laneOf(id: string): Lane {
    let lane = lanes.get(id);
    if (lane === undefined) {
      lane = { claims: [], records: [], claiming: false, recording: false, scheduled: false };
      lanes.set(id, lane);
    }
    if (!lane.scheduled) schedule(id, lane);
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
    if (!lane.recording && lane.records.length > 0) {
      lane.recording = true;
      const batch = lane.records.splice(0, MAX_WORKFLOW_BATCH);
      const call = flush(batch, async (items) => {
        const result = await workflows.recordMany(id, items);
        await applyWorkflowEffects(transport, id, result);
        return result.recorded.map((recorded) => ({ recorded, status: result.status }));
      });
      void call.finally(() => {
        lane.recording = false;
        settled(id, lane, lane.records);
      });
    }
    if (!lane.claiming && lane.claims.length > 0) {
      lane.claiming = true;
      const batch = lane.claims.splice(0, MAX_WORKFLOW_BATCH);
      const call = flush(batch, (addresses) => workflows.claimMany(id, addresses));
      void call.finally(() => {
        lane.claiming = false;
        settled(id, lane, lane.claims);
      });
    }
    if (!lane.claiming && !lane.recording && !lane.scheduled) lanes.delete(id);
  }

  /** A call of the lane answered: the next of its kind goes, or the lane goes once idle. */
  function settled(id: string, lane: Lane, waiting: readonly unknown[]): void {
    if (waiting.length > 0) {
      if (!lane.scheduled) schedule(id, lane);
    } else if (!lane.claiming && !lane.recording && !lane.scheduled) {
      lanes.delete(id);
    }
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
      new Promise<RecordAnswer>((resolve, reject) => {
        laneOf(id).records.push({ item: { address, outcome }, resolve, reject });
      }),
  };
}
