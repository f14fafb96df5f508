import {
  applyWorkflowEffects,
  type ClaimOutcome,
  MAX_WORKFLOW_BATCH,
  type StepAddress,
  type StepOutcome,
  type TransportWith,
} from '@conveyor/core';

/**
 * Calls that gather per key: at most one call per key in flight; items added meanwhile go
 * in the next one, and an idle key sends once the current turn of the event loop is over
 * (`setImmediate`), so items added in one turn share a call: the step jobs of one reserve,
 * the outcomes of the jobs that ran in it (a microtask would send the first one alone, and
 * that split would carry on through settle and reserve). `flush` answers each item.
 */
function createKeyedBatcher<I, R>(
  flush: (key: string, items: I[]) => Promise<R[]>,
): (key: string, item: I) => Promise<R> {
  interface Waiting {
    item: I;
    resolve: (answer: R) => void;
    reject: (error: unknown) => void;
  }
  const queues = new Map<string, { waiting: Waiting[]; busy: boolean }>();

  function send(key: string): void {
    const queue = queues.get(key);
    if (queue === undefined || queue.busy) return;
    if (queue.waiting.length === 0) {
      queues.delete(key);
      return;
    }
    const batch = queue.waiting.splice(0, MAX_WORKFLOW_BATCH);
    queue.busy = true;
    flush(
      key,
      batch.map((entry) => entry.item),
    )
      .then(
        (answers) => {
          for (let index = 0; index < batch.length; index++) {
            batch[index]?.resolve(answers[index] as R);
          }
        },
        (error: unknown) => {
          for (const entry of batch) entry.reject(error);
        },
      )
      .finally(() => {
        queue.busy = false;
        send(key);
      });
  }

  return (key, item) =>
    new Promise<R>((resolve, reject) => {
      let queue = queues.get(key);
      if (queue === undefined) {
        queue = { waiting: [], busy: false };
        queues.set(key, queue);
        setImmediate(() => send(key));
      }
      queue.waiting.push({ item, resolve, reject });
    });
}

export interface WorkflowStepBatches {
  /** `claim`, gathered with the other claims of the workflow into one `claimMany` [W16]. */
  claim(workflowId: string, address: StepAddress): Promise<ClaimOutcome>;
  /**
   * `record`, gathered with the workflow's other outcomes into one `recordMany` [W16]; the
   * batch's effects (what became ready, jobs to cancel) are applied before it resolves.
   */
  record(workflowId: string, address: StepAddress, outcome: StepOutcome): Promise<void>;
}

/**
 * The worker's claims and records of step jobs, batched per workflow: a map stage's
 * children reserved together are claimed in one call, and their outcomes recorded in few,
 * each followed by one `applyWorkflowEffects` (docs/workflows.md §11). The hand-off order of
 * each job stays claim, run, record, enqueue, `dispatched`, then its settlement.
 */
export function createWorkflowStepBatches(
  transport: TransportWith<'workflows'>,
): WorkflowStepBatches {
  const { workflows } = transport;
  const claim = createKeyedBatcher<StepAddress, ClaimOutcome>((id, addresses) =>
    workflows.claimMany(id, addresses),
  );
  const record = createKeyedBatcher<{ address: StepAddress; outcome: StepOutcome }, void>(
    async (id, items) => {
      const result = await workflows.recordMany(id, items);
      await applyWorkflowEffects(transport, id, result);
      return [];
    },
  );
  return {
    claim,
    record: (id, address, outcome) => record(id, { address, outcome }),
  };
}
