import {
  type AnyTaskDefinition,
  type ClaimOutcome,
  type Clock,
  InvalidOptionError,
  type JobWorkflowRef,
  type JsonValue,
  type Logger,
  NonRetryableError,
  NotJsonError,
  type Reservation,
  type StepAddress,
  type StepOutcome,
  type TaskRegistry,
  type TransportWith,
  ValidationError,
  WorkflowNotFoundError,
} from '@conveyor/core';
import {
  applyWorkflowEffects,
  enqueueMapChildren,
  failedOutcome,
  flushWorkflowOutbox,
  type JobOutcome,
  planDifferences,
} from '@conveyor/core/worker';
import { retryableFailure } from '../error-outcome.js';
import { WorkerError } from '../errors.js';
import { type HeldJob, jobFields } from '../held-job.js';
import { checkWorkflowSchemaSkew } from '../schema-skew.js';
import type { WorkerEvent } from '../stats.js';
import type { WorkflowCatalog } from './catalog.js';
import {
  endedHow,
  stepLabel,
  UnknownWorkflowError,
  WorkflowEndedError,
  WorkflowSkewError,
} from './errors.js';
import { createWorkflowStepBatches } from './step-batches.js';
import { stepWork } from './step-input.js';

/**
 * How long a claim made in the buffer stands for the job's start: a job that waited longer
 * (behind slow tasks) claims again when it starts, so that a workflow that ended meanwhile
 * (its cancel not yet heard of) refuses it, as it would have without the early claim.
 */
export const EARLY_CLAIM_MAX_AGE_MS = 1_000;

/** A map stage's default child limit (docs/workflows.md §7). */
export const DEFAULT_MAX_WORKFLOW_CHILDREN = 10_000;

/**
 * How a worker runs a workflow's step jobs (docs/workflows.md §3, §11), in the hand-off
 * order `claim`, run, `record`, enqueue the outbox, `dispatched`, acknowledge: a crash at
 * any point repeats a call that changes nothing the second time, or leaves an outbox entry
 * for a sweeper.
 */
export interface WorkflowStepJobs {
  /**
   * Claims the step of `job`, then resolves its input and calls `run` with the reservation
   * to run (the task then runs as any job); or ends the job without running the task: its
   * step is done already (acknowledged), its workflow ended (cancelled, `WORKFLOW_ENDED`),
   * there is no such workflow (`WORKFLOW_NOT_FOUND`), the worker lacks the workflow or has a
   * version whose plan differs from the run's by more than attempts and priority
   * (`UNKNOWN_WORKFLOW`, `WORKFLOW_SKEW`), or the job is a map
   * stage's `expand` job (its items are handed to the transport).
   */
  start(job: HeldJob, run: (reservation: Reservation) => void): void;
  /**
   * A job entered the prefetch buffer: a step job's claim goes out now, with its workflow's
   * next claim call, so that it is answered by the time the job takes a slot (`start` then
   * uses that answer). Claimed early, the step is `running` while its job waits for a slot,
   * as a job reserved by a worker is; a cancel meanwhile cancels the job, which leaves the
   * buffer cancelled, and a job given back (a stop, a lost lease) is claimed again when it
   * comes back, which answers `claimed` again.
   */
  prefetch(job: HeldJob): void;
  /**
   * Ends a job. A step job's final outcome (completed, failed, dead-lettered, or a retry
   * after a cancel) is recorded in its workflow and the effects applied before the job
   * settles; the first final outcome wins, later ones (a run that ends after its hard time
   * limit) are ignored. Other jobs and outcomes go straight on.
   */
  end(job: HeldJob, outcome: JobOutcome): void;
}

type Prepared =
  | { reservation: Reservation }
  /** `record`: the outcome is the step's, for its workflow; else the job's only. */
  | { outcome: JobOutcome; record: boolean };

export function createWorkflowStepJobs(options: {
  transport: TransportWith<'workflows'>;
  catalog: WorkflowCatalog;
  registry: TaskRegistry;
  logger: Logger;
  /** Counts what happened (a schema skew). */
  emit: (event: WorkerEvent) => void;
  random: () => number;
  clock: Clock;
  maxChildren: number;
  /** Settles the job (the worker's own end). */
  end: (job: HeldJob, outcome: JobOutcome) => void;
}): WorkflowStepJobs {
  const { transport, catalog, registry, logger, emit, random, clock, maxChildren } = options;
  const { workflows } = transport;
  /** Jobs whose final outcome is on its way to their workflow. */
  const recording = new WeakSet<HeldJob>();
  /** Claims and records gathered per workflow into `claimMany` and `recordMany` calls. */
  const batches = createWorkflowStepBatches(transport);
  /** Claims made when their jobs entered the buffer (`prefetch`), until the jobs start. */
  const early = new WeakMap<HeldJob, { claim: Promise<ClaimOutcome>; at: number }>();

  async function prepare(job: HeldJob, ref: JobWorkflowRef): Promise<Prepared> {
    const made = early.get(job);
    early.delete(job);
    const fresh = made !== undefined && clock.now() - made.at <= EARLY_CLAIM_MAX_AGE_MS;
    const claim = await (fresh
      ? made.claim
      : batches.claim(ref.id, { ...addressOf(ref), job: job.id }));
    if (claim === 'done') {
      // A redelivery: the step's outcome is recorded; hand on what its recorder may not have.
      await flushWorkflowOutbox(transport, ref.id);
      return { outcome: completed(job), record: false };
    }
    if (claim === 'ended') return notRun(job, ref);
    if (claim === 'unknown') {
      const error = new WorkflowNotFoundError(ref.id, { step: ref.step, child: ref.child });
      return { outcome: failed(job, error, false), record: false };
    }
    // A map child's input is its item, in the envelope: no read of the record.
    if (ref.kind === 'run' && ref.child !== undefined) return { reservation: job.reservation };
    // Without the map children's states: a fan-in after 10,000 children reads what it needs
    // (their count is on the map step's record), not 10,000 records.
    const record = await workflows.get(ref.id, { children: false });
    if (record === null) {
      const error = new WorkflowNotFoundError(ref.id, { step: ref.step, child: ref.child });
      return { outcome: failed(job, error, false), record: false };
    }
    const name = record.plan.workflow;
    const known = catalog.get(name);
    if (known === undefined) {
      // As for an unknown task: dead-lettered, to retry once a worker knows it.
      const error = new UnknownWorkflowError(name, catalog.names(), ref.id, ref.step);
      return { outcome: failed(job, error, true), record: true };
    }
    // Field by field, not by fingerprint: a run's step jobs take their attempts and priority
    // from its stored plan, so tuning those in a deploy leaves in-flight runs runnable.
    const differences = planDifferences(record.plan, known.plan);
    if (differences.length > 0) {
      const stored = record.plan.fingerprint;
      const local = known.plan.fingerprint;
      const error = new WorkflowSkewError(name, stored, local, ref.id, differences);
      return { outcome: failed(job, error, false), record: true };
    }
    const run = { workflow: name, id: ref.id, producerSchema: record.inputSchema };
    checkWorkflowSchemaSkew(job, run, known.definition.fingerprint, emit, logger);
    const work = await stepWork(workflows, known.definition, record, ref);
    if (work.kind === 'run') {
      const { envelope } = job.reservation;
      const input = work.input as JsonValue;
      return { reservation: { ...job.reservation, envelope: { ...envelope, input } } };
    }
    // Only the count is stored; this job enqueues the children it answers, then clears the
    // stage's children entry. A crash before that leaves the entry: the job's redelivery
    // (its claim answers `claimed` again) computes the same items and comes back here.
    const expanded = await workflows.expand(ref.id, ref.step, work.items, maxChildren);
    await applyWorkflowEffects(transport, ref.id, expanded);
    if (expanded.children !== undefined) {
      const { children } = expanded;
      await enqueueMapChildren(transport, ref.id, record.plan, ref.step, work.items, children);
    }
    return { outcome: completed(job), record: false };
  }

  /**
   * A step job whose workflow ended (or whose step is not to run now): it runs nothing and
   * ends `cancelled`, an expected no-op, logged at info and counted as cancelled.
   */
  async function notRun(job: HeldJob, ref: JobWorkflowRef): Promise<Prepared> {
    // The worker asks for the cancel itself: counted as one now, as the job's state will
    // read, not after a cancel notice that may come after the settle (Redis's pub/sub), and
    // that notice then aborts nothing (nothing runs).
    job.cancelRequested = true;
    // Cancel requested first: the transport turns the failure below into `cancelled`.
    await transport.cancel(job.id);
    // How it ended, for the message; a failed read leaves it unsaid.
    const how = endedHow(await workflows.get(ref.id, { children: false }).catch(() => null));
    const where = stepLabel(ref.step, ref.child);
    logger.info(
      { ...jobFields(job), workflowId: ref.id, step: ref.step, child: ref.child },
      how === undefined
        ? `step job ${job.id} not run: its workflow ${ref.id} has ended or its ${where} is not to run now (an earlier try's job of a retried step); the job ends cancelled`
        : `step job ${job.id} not run: its workflow ${ref.id} had already ended (${how}); the job ends cancelled`,
    );
    const error = new WorkflowEndedError(ref.id, ref.step, ref.child, how);
    return { outcome: failed(job, error, false), record: false };
  }

  /** The job fails (`dead` when dead-lettered), kept as long as its task keeps results. */
  function failed(job: HeldJob, error: unknown, deadLetter: boolean): JobOutcome {
    const resultTtlMs = deadLetter ? undefined : registry.get(job.task)?.resultTtl;
    return failedOutcome(job.id, job.token, error, deadLetter, resultTtlMs);
  }

  /**
   * An error from preparing (a mapping, a schema, the transport): as if the task threw it.
   * Those a retry would meet again are final: a map's non-JSON items (`NOT_JSON`), as a
   * task's non-JSON result is.
   */
  function thrownOutcome(job: HeldJob, error: unknown): JobOutcome {
    const final =
      error instanceof NonRetryableError ||
      error instanceof InvalidOptionError ||
      error instanceof NotJsonError ||
      error instanceof ValidationError ||
      error instanceof WorkerError;
    if (final) return failed(job, error, false);
    const task: AnyTaskDefinition | undefined = registry.get(job.task);
    return retryableFailure(job.reservation, task, error, random);
  }

  /** Records a step's final outcome, then hands on what became ready; never rejects. */
  async function report(job: HeldJob, ref: JobWorkflowRef, outcome: StepOutcome): Promise<void> {
    try {
      // With the job's id: an earlier try's job, ending after its step was retried, records
      // nothing [W3] (its workflow failed meanwhile and was retried).
      const { recorded, status } = await batches.record(
        ref.id,
        { ...addressOf(ref), job: job.id },
        outcome,
      );
      if (!recorded) {
        // The job settles as it ended; say that its workflow did not take the outcome.
        const why =
          status === 'running'
            ? "the step already has an outcome (this job's own, when a reset connection lost the reply to its first record), or was retried since and this job is an earlier try's"
            : `its workflow is ${status}`;
        // The outcome it has may be this job's, recorded by a call whose reply (and so its
        // dispatch) was lost: hand on what that call left in the outbox, as a redelivery does.
        if (status === 'running') await flushWorkflowOutbox(transport, ref.id);
        logger.info(
          { ...jobFields(job), workflowId: ref.id, step: ref.step, child: ref.child, status },
          `step outcome not recorded in its workflow: ${why}`,
        );
      }
    } catch (error) {
      logger.error(
        { ...jobFields(job), workflowId: ref.id, step: ref.step, err: error },
        "recording the step's outcome in its workflow failed: the job settles anyway, and a sweeper records its outcome from the job (or enqueues what is left in the outbox)",
      );
    }
  }

  const stepJobs: WorkflowStepJobs = {
    prefetch(job) {
      const ref = job.reservation.envelope.workflow;
      if (ref === undefined) return;
      const claim = batches.claim(ref.id, { ...addressOf(ref), job: job.id });
      // Never started (released, dropped): nobody awaits it, and its failure is no one's.
      claim.catch(() => {});
      early.set(job, { claim, at: clock.now() });
    },

    start(job, run) {
      const ref = job.reservation.envelope.workflow as JobWorkflowRef;
      void prepare(job, ref)
        .catch((error: unknown): Prepared => ({ outcome: thrownOutcome(job, error), record: true }))
        .then((next) => {
          // A hard time limit or the end of a shutdown's grace ended it meanwhile.
          if (job.phase !== 'running' || recording.has(job)) return;
          if ('reservation' in next) run(next.reservation);
          else if (next.record) stepJobs.end(job, next.outcome);
          else options.end(job, next.outcome);
        });
    },

    end(job, outcome) {
      const ref = job.reservation.envelope.workflow;
      if (ref === undefined) {
        options.end(job, outcome);
        return;
      }
      if (recording.has(job)) return;
      // Settled already (failed at its hard time limit, or given back): the late outcome of
      // its abandoned run is no outcome of the step. The held jobs log and drop it.
      if (job.phase === 'ending') {
        options.end(job, outcome);
        return;
      }
      const final = stepOutcomeOf(job, outcome);
      if (final === undefined) {
        options.end(job, outcome);
        return;
      }
      recording.add(job);
      void report(job, ref, final).then(() => options.end(job, outcome));
    },
  };
  return stepJobs;
}

/**
 * The step's outcome when the job's is final; a retry after a cancel is final too. A task
 * that returned nothing completes its step with no result, as its job has none: read back,
 * it is `undefined`, as `handle.result()` of the job gives it, not `null`.
 */
function stepOutcomeOf(job: HeldJob, outcome: JobOutcome): StepOutcome | undefined {
  const { settlement } = outcome;
  if (settlement.type === 'complete') {
    return settlement.result === undefined ? { ok: true } : { ok: true, result: settlement.result };
  }
  if (settlement.type === 'fail') return { ok: false, error: settlement.error };
  if (settlement.type === 'retry' && job.cancelRequested) {
    return { ok: false, error: settlement.error };
  }
  return undefined;
}

function addressOf(ref: JobWorkflowRef): StepAddress {
  return ref.child === undefined ? { step: ref.step } : { step: ref.step, child: ref.child };
}

/** Acknowledged: the job did what it had to (or its step was done already). */
function completed(job: HeldJob): JobOutcome {
  return {
    kind: 'completed',
    settlement: { type: 'complete', id: job.id, token: job.token, result: undefined },
  };
}
