import {
  type Clock,
  type IdleWorkflow,
  type JobRecord,
  type Logger,
  MAX_WORKFLOW_BATCH,
  type StepOutcome,
  type StepOutcomeItem,
  type TimerHandle,
  type TransportWith,
  type WorkflowRecord,
  type WorkflowStepRecord,
} from '@conveyor/core';
import { createOutage, outageLength, toJobError } from '@conveyor/core/transport';
import { applyWorkflowEffects, flushWorkflowOutbox } from '@conveyor/core/worker';
import { WorkflowStepLostError } from './errors.js';

/**
 * How often a worker sweeps workflows by default, in ms (jittered ±50 %, and at least
 * {@link SWEEP_BACKOFF} times the last sweep's duration).
 */
export const DEFAULT_WORKFLOW_SWEEP_MS = 5_000;

/**
 * The least wait before the next sweep, as a multiple of how long the last one took: sweeping
 * takes at most a fifth of a worker's time, however many steps a sweep looks up or however
 * slow the broker or the machine. Without it, a sweep that outlasts a short interval on a
 * starved process found the workflow idle again and looked up all its children again, and
 * the sweeps left the steps themselves little time to move.
 */
export const SWEEP_BACKOFF = 4;

/** Workflows looked at per sweep, of each kind (stale outboxes, idle records). */
export const SWEEP_LIMIT = 100;

/** Step jobs looked up side by side; a 10,000-child map's are looked up in rounds of this many. */
export const LOOKUPS_AT_ONCE = 64;

/** States of a job that will not run again (`dead` only through an operator's retry). */
const ENDED: ReadonlySet<string> = new Set(['completed', 'failed', 'dead', 'cancelled', 'expired']);

export interface WorkflowSweeper {
  /** Sweeps now and then every interval (jittered), until stopped. */
  start(): void;
  /** Stops the timer; resolves once a sweep under way is done. */
  stop(): Promise<void>;
  /** One sweep: stale outboxes enqueued, steps whose jobs ended unrecorded recorded (tests). */
  sweep(): Promise<void>;
}

/**
 * What makes "nothing waits forever" true (docs/workflows.md §3–§4), in every worker on a
 * transport with `workflows`:
 *
 * - An outbox entry older than the interval (its writer died before enqueueing it) is
 *   enqueued: `stale`, then {@link flushWorkflowOutbox} (fixed job ids, so
 *   another sweeper doing the same adds nothing). A map's children entry (its children not
 *   all enqueued) enqueues its expand job again, which stays until that job clears it; its
 *   children are not looked up meanwhile, its expand job is (ended: recorded as lost).
 * - A running workflow unchanged for the interval (`idle`) has each ready or running step's
 *   job looked up: one that is gone, or ended without its outcome reaching the workflow (a
 *   lease that ran out on its last attempt with no worker left to report, a job cancelled
 *   or purged on its own), is recorded: a completed job's stored result, else a
 *   `WORKFLOW_STEP_LOST` failure naming the job and its state, so the step's policy applies.
 *   Jobs are looked up {@link LOOKUPS_AT_ONCE} at a time; a workflow's lost steps are
 *   recorded together in one `recordMany`.
 */
/** What a sweep does, in the order `sweep` runs them: named in its failure's log line. */
const SWEEP_PARTS = ['stale outboxes', 'idle workflows'] as const;

function messageOf(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

export function createWorkflowSweeper(options: {
  transport: TransportWith<'workflows'>;
  clock: Clock;
  logger: Logger;
  random: () => number;
  intervalMs: number;
}): WorkflowSweeper {
  const { transport, clock, logger, random, intervalMs } = options;
  const { workflows } = transport;
  let timer: TimerHandle | undefined;
  let sweeping: Promise<void> | undefined;
  let stopped = false;
  /** Where the next `idle` page starts: after the last workflow of the page before. */
  let idleAfter: IdleWorkflow | undefined;
  /** How long the last sweep took, by the clock: the next waits at least SWEEP_BACKOFF times it. */
  let lastSweepMs = 0;

  async function enqueueStale(before: number): Promise<void> {
    const ids = await workflows.stale(before, SWEEP_LIMIT);
    await Promise.all(
      ids.map(async (id) => {
        const dispatch = await flushWorkflowOutbox(transport, id);
        if (dispatch.length === 0) return;
        logger.info(
          { workflowId: id, jobIds: dispatch.map((entry) => entry.jobId) },
          'workflow sweeper: enqueued step jobs left in the outbox',
        );
      }),
    );
  }

  async function checkIdle(before: number): Promise<void> {
    const page = await workflows.idle(before, SWEEP_LIMIT, idleAfter);
    // The next sweep goes on after this page; after the last page, from the start again:
    // every idle workflow is checked, however many there are.
    idleAfter = page.length < SWEEP_LIMIT ? undefined : page[page.length - 1];
    await Promise.all(page.map((entry) => checkSteps(entry.id, before)));
  }

  /** Records the steps of workflow `id` whose jobs ended without reporting. */
  async function checkSteps(id: string, before: number): Promise<void> {
    const record = await workflows.get(id);
    // Changed since `idle` answered: someone is moving it.
    if (record === null || record.status !== 'running' || record.updatedAt >= before) return;
    // Read after the record: an entry written since is not taken for a lost job.
    const entries = await workflows.outbox(id);
    const queued = new Set(entries.filter((e) => e.children === undefined).map((e) => e.jobId));
    // Map steps whose children are not all enqueued: their expand job is checked, not them.
    const enqueuing = new Set(entries.filter((e) => e.children !== undefined).map((e) => e.step));
    const open = record.steps.filter((rec) => {
      if (rec.state !== 'ready' && rec.state !== 'running') return false;
      if (rec.jobId === undefined || queued.has(rec.jobId)) return false;
      if (rec.child !== undefined) return !enqueuing.has(rec.step);
      return enqueuing.has(rec.step) || !isExpanded(record, rec);
    });
    const lost: StepOutcomeItem[] = [];
    // Looked up in rounds: a 10,000-child map costs a bounded number of lookups at once.
    for (let from = 0; from < open.length; from += LOOKUPS_AT_ONCE) {
      const round = open.slice(from, from + LOOKUPS_AT_ONCE);
      const jobs = await Promise.all(round.map((rec) => transport.getJob(rec.jobId as string)));
      round.forEach((rec, i) => {
        const jobId = rec.jobId as string;
        const job = jobs[i] ?? null;
        if (job !== null && !ENDED.has(job.state)) return;
        // A gone expand job with its children entry standing: `enqueueStale` enqueues it.
        if (job === null && rec.child === undefined && enqueuing.has(rec.step)) return;
        logger.warn(
          { workflowId: id, step: rec.step, child: rec.child, jobId, state: job?.state ?? 'gone' },
          "workflow sweeper: a step's job ended without its outcome reaching the workflow; recording it",
        );
        // With the job read: the step retried since (a new job) takes nothing from it [W3].
        const address =
          rec.child === undefined
            ? { step: rec.step, job: jobId }
            : { step: rec.step, child: rec.child, job: jobId };
        lost.push({ address, outcome: lostOutcome(record, rec, jobId, job) });
      });
    }
    // One `recordMany` per workflow (in batches of the most it takes), its effects carried
    // out before the next batch: an entry a later batch cancels is not enqueued.
    for (let from = 0; from < lost.length; from += MAX_WORKFLOW_BATCH) {
      const result = await workflows.recordMany(id, lost.slice(from, from + MAX_WORKFLOW_BATCH));
      await applyWorkflowEffects(transport, id, result);
    }
  }

  // Failed sweeps: with the broker gone a sweep fails every few seconds, so a line at the
  // first failure, when the error changes, and at most every OUTAGE_REMINDER_MS meanwhile.
  const outage = createOutage();

  async function sweep(): Promise<void> {
    const now = clock.now();
    const before = now - intervalMs;
    const results = await Promise.allSettled([enqueueStale(before), checkIdle(before)]);
    // One line per sweep: with the broker gone, both parts fail with the same error.
    const failed = SWEEP_PARTS.filter((_, i) => results[i]?.status === 'rejected');
    if (failed.length === 0) {
      const ended = outage.recovered(now);
      if (ended) {
        logger.info(
          ended,
          `workflow sweeps work again, after ${outageLength(ended.failingForMs)} and ${ended.failures} failed`,
        );
      }
      return;
    }
    const reasons = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    const [first, second] = reasons;
    const other =
      second !== undefined && messageOf(second) !== messageOf(first)
        ? messageOf(second)
        : undefined;
    const report = outage.failed(now, `${messageOf(first)}|${other ?? ''}`);
    if (!report) return;
    const { failures, failingForMs } = report;
    logger.warn(
      {
        err: first,
        parts: failed,
        ...(other !== undefined ? { otherError: other } : {}),
        ...(failures > 1 ? { failures, failingForMs } : {}),
      },
      failures === 1
        ? 'workflow sweep failed; the next sweep tries again'
        : `workflow sweeps still fail (${failures} in a row, for ${outageLength(failingForMs)}); the next sweep tries again`,
    );
  }

  function schedule(): void {
    if (stopped) return;
    const delay = Math.max(
      Math.round(intervalMs * (0.5 + random())),
      Math.round(lastSweepMs * SWEEP_BACKOFF),
    );
    timer = clock.setTimeout(run, delay);
    // The sweeper never keeps a process alive on its own.
    (timer as { unref?: () => void }).unref?.();
  }

  function run(): void {
    timer = undefined;
    const started = clock.now();
    sweeping = sweep().finally(() => {
      lastSweepMs = Math.max(0, clock.now() - started);
      sweeping = undefined;
      schedule();
    });
  }

  return {
    start() {
      if (stopped || timer !== undefined || sweeping !== undefined) return;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      await sweeping;
    },
    sweep,
  };
}

/** A map stage's step once expanded: its own job is done (once its children are enqueued), its children count. */
function isExpanded(record: WorkflowRecord, rec: WorkflowStepRecord): boolean {
  if (rec.child !== undefined) return false;
  return record.steps.some((other) => other.step === rec.step && other.child !== undefined);
}

/** What a step whose job ended unrecorded gets: the completed job's result, else a failure. */
function lostOutcome(
  record: WorkflowRecord,
  rec: WorkflowStepRecord,
  jobId: string,
  job: JobRecord | null,
): StepOutcome {
  const isMapStep =
    rec.child === undefined &&
    record.plan.stages.some(
      (stage) => stage.kind === 'map' && stage.steps.some((step) => step.name === rec.step),
    );
  // A map step's own job completes only after its items are stored: without them, it is lost.
  // A completed job without a result (its task returned nothing): the step has none either.
  if (job?.state === 'completed' && !isMapStep) {
    return job.result === undefined ? { ok: true } : { ok: true, result: job.result };
  }
  const error = new WorkflowStepLostError(
    record.id,
    rec.step,
    rec.child,
    jobId,
    job?.state ?? 'gone',
    job?.error?.message,
  );
  return { ok: false, error: toJobError(error) };
}
