import { type ResultOptions, resultDeadline } from '../job-handle.js';
import { resultDecoder } from '../result-codec.js';
import type { AnyTaskContract } from '../task.js';
import { FINAL_STATES } from '../transport.js';
import type { TransportWith } from '../transport-capabilities.js';
import type { WorkflowRecord, WorkflowStepRecord } from '../transport-workflows.js';
import { actOnWorkflow } from './actions.js';
import { type DescribeWorkflowOptions, describeWorkflow, type WorkflowView } from './describe.js';
import { describeWorkflowWithJobs } from './describe-jobs.js';
import {
  WorkflowNotCompletedError,
  WorkflowNotFoundError,
  WorkflowResultTimeoutError,
} from './errors.js';
import { failedCompensation } from './running.js';
import { readStageResults } from './stage-results.js';

/**
 * A reference to one workflow run: what `placeOrder.delay(…)` returns. A typed handle is
 * never another workflow's run: on one, every operation throws `WorkflowNotFoundError`
 * (`WORKFLOW_NOT_FOUND`, `.mismatch` naming both workflows) and changes nothing.
 */
export interface WorkflowHandle<TResult = unknown> {
  readonly id: string;
  /** True when an idempotency key matched an earlier run, which this handle then refers to. */
  readonly duplicate: boolean;
  /**
   * The run as `conveyor inspect` shows it, or null when unknown (never started, or expired
   * after it ended): its status, failure and timestamps, and per stage each step's state,
   * retries, job id, its job's attempts and its error; a map's children counted by state,
   * the first `children` (default 10) and failed ones listed.
   */
  status(options?: WorkflowStatusOptions): Promise<WorkflowView | null>;
  /**
   * Waits for the run to end, without polling (it waits on the running steps' jobs), and
   * resolves with its last stage's result: a step's result; a group's results by step name;
   * a map's results in item order (a step skipped by `onFailure: 'continue'` gives
   * `undefined`). Results of tasks with an output schema are decoded with it. Rejects with
   * `WorkflowNotCompletedError` (`WORKFLOW_NOT_COMPLETED`, with `.status` and `.failure`)
   * when the run ends failed, cancelled or compensated, `WorkflowNotFoundError`
   * (`WORKFLOW_NOT_FOUND`), or after `timeout` ms, `WorkflowResultTimeoutError`
   * (`RESULT_TIMEOUT`; the run itself goes on).
   */
  result(options?: ResultOptions): Promise<TResult>;
  /**
   * Cancels a running workflow: its waiting steps never run, its running steps' `ctx.signal`
   * fires. `cancelled` is false when it had ended already (or is unknown).
   */
  cancel(): Promise<{ cancelled: boolean }>;
  /**
   * Runs a `failed` workflow again from its failed steps (steps that completed are not run
   * again). `retried` is false when it is not failed.
   */
  retry(): Promise<{ retried: boolean }>;
}

/** What `handle.status()` lists. */
export interface WorkflowStatusOptions extends Omit<DescribeWorkflowOptions, 'jobs'> {
  /** Look up each listed step's job for its attempts (one read per job). Default true. */
  attempts?: boolean;
}

/** Longest wait on step jobs before the record is read again: an ended run is noticed by then. */
export const WORKFLOW_WAIT_ROUND_MS = 2_000;
/** First pause when a round found nothing to wait on and the record had not moved. */
const FIRST_PAUSE_MS = 25;
/** Most step jobs one round waits on before the record is read again. */
const WAITS_PER_ROUND = 16;

/**
 * A handle for workflow run `id`. `lastStage` holds the task contracts of the last stage's
 * steps, by step name, to decode results with their output schemas. `workflow`, for a typed
 * handle, is the workflow's name: every operation on a run of another workflow then throws
 * `WorkflowNotFoundError` (`WORKFLOW_NOT_FOUND`, with `.mismatch`) before it reads or
 * changes anything more.
 */
export function createWorkflowHandle<TResult>(
  transport: TransportWith<'workflows'>,
  id: string,
  duplicate = false,
  lastStage?: Readonly<Record<string, AnyTaskContract>>,
  workflow?: string,
): WorkflowHandle<TResult> {
  return new TransportWorkflowHandle<TResult>(transport, id, duplicate, lastStage, workflow);
}

class TransportWorkflowHandle<TResult> implements WorkflowHandle<TResult> {
  readonly #transport: TransportWith<'workflows'>;
  readonly #lastStage: Readonly<Record<string, AnyTaskContract>> | undefined;
  readonly #workflow: string | undefined;

  constructor(
    transport: TransportWith<'workflows'>,
    readonly id: string,
    readonly duplicate: boolean,
    lastStage: Readonly<Record<string, AnyTaskContract>> | undefined,
    workflow: string | undefined,
  ) {
    this.#transport = transport;
    this.#lastStage = lastStage;
    this.#workflow = workflow;
  }

  /** The run's record (null when unknown), refused when it is another workflow's run. */
  async #read(options?: { children: false }): Promise<WorkflowRecord | null> {
    const record = await this.#transport.workflows.get(this.id, options);
    const runOf = record?.plan.workflow;
    if (this.#workflow !== undefined && runOf !== undefined && runOf !== this.#workflow) {
      throw new WorkflowNotFoundError(this.id, undefined, { workflow: this.#workflow, runOf });
    }
    return record;
  }

  async status({
    attempts = true,
    ...listed
  }: WorkflowStatusOptions = {}): Promise<WorkflowView | null> {
    const record = await this.#read();
    if (record === null) return null;
    return attempts
      ? describeWorkflowWithJobs(this.#transport, record, listed)
      : describeWorkflow(record, listed);
  }

  async result(options: ResultOptions = {}): Promise<TResult> {
    const deadline = resultDeadline(options);
    const { timeout, signal } = options;
    let lastChange: number | undefined;
    let pauseMs = FIRST_PAUSE_MS;
    for (;;) {
      const record = await this.#read();
      if (record === null) throw new WorkflowNotFoundError(this.id);
      if (record.status === 'completed') return (await this.#lastStageResult(record)) as TResult;
      if (record.status !== 'running') {
        throw new WorkflowNotCompletedError(
          this.id,
          record.status,
          record.failure,
          failedCompensation(record),
        );
      }
      signal?.throwIfAborted();
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new WorkflowResultTimeoutError(this.id, timeout ?? 0, runningStage(record));
      }
      const roundMs = Math.min(WORKFLOW_WAIT_ROUND_MS, remaining);
      const blocked = await this.#waitOnOpenJobs(record, roundMs, signal);
      if (blocked || record.updatedAt !== lastChange) {
        pauseMs = FIRST_PAUSE_MS;
      } else {
        // Nothing to wait on (a step's job not enqueued yet, or ended without its outcome
        // recorded, which a worker's sweeper records), and no change: back off, bounded.
        await pause(Math.min(pauseMs, roundMs), signal);
        pauseMs = Math.min(pauseMs * 2, WORKFLOW_WAIT_ROUND_MS);
      }
      lastChange = record.updatedAt;
    }
  }

  /**
   * Waits, in turn, on the jobs of the steps that are ready or running, latest first, for at
   * most `roundMs` in all and at most {@link WAITS_PER_ROUND} jobs: then the record is read
   * again. A map's last children tend to end last, so the first wait covers most of them and
   * the next record lists the few still open; walking all 10,000 children one wait each
   * would cost three Redis calls per child. A job that is final answers at once. True when a
   * wait ran its time out on a job still open.
   */
  async #waitOnOpenJobs(
    record: WorkflowRecord,
    roundMs: number,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const roundEnd = Date.now() + roundMs;
    let waits = 0;
    for (let index = record.steps.length - 1; index >= 0; index--) {
      const step = record.steps[index] as WorkflowStepRecord;
      if ((step.state !== 'ready' && step.state !== 'running') || step.jobId === undefined) {
        continue;
      }
      if (waits === WAITS_PER_ROUND) return false;
      waits += 1;
      const left = roundEnd - Date.now();
      if (left <= 0) return true;
      const job = await this.#transport.waitFor(step.jobId, {
        timeoutMs: left,
        ...(signal && { signal }),
      });
      signal?.throwIfAborted();
      if (job !== null && !FINAL_STATES.has(job.state)) return true;
    }
    return false;
  }

  /** The last stage's result, as the next stage would receive it, decoded per task. */
  async #lastStageResult(record: WorkflowRecord): Promise<unknown> {
    const { stages } = record.plan;
    const last = stages[stages.length - 1];
    if (last === undefined) return undefined;
    return readStageResults(this.#transport.workflows, record, last, (step) => {
      const task = this.#lastStage?.[step];
      return task === undefined ? undefined : resultDecoder(task);
    });
  }

  async cancel(): Promise<{ cancelled: boolean }> {
    // A typed handle checks the run's workflow before it changes anything.
    if (this.#workflow !== undefined) await this.#read({ children: false });
    return { cancelled: (await actOnWorkflow(this.#transport, this.id, 'cancel')).done };
  }

  async retry(): Promise<{ retried: boolean }> {
    if (this.#workflow !== undefined) await this.#read({ children: false });
    return { retried: (await actOnWorkflow(this.#transport, this.id, 'retry')).done };
  }
}

/** The running stage, for messages: `stage 2 of 3 ("fulfil")`. */
function runningStage(record: WorkflowRecord): string {
  const { stages } = record.plan;
  const names = stages[record.stage]?.steps.map((step) => JSON.stringify(step.name)) ?? [];
  return `stage ${record.stage + 1} of ${stages.length}${names.length > 0 ? ` (${names.join(', ')})` : ''}`;
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
