import {
  type AnyTaskDefinition,
  type Clock,
  type JsonValue,
  type Logger,
  type Reservation,
  type TaskRegistry,
  TimeLimitError,
} from '@conveyor/core';
import { type JobOutcome, resolveTimeLimits, runJob } from '@conveyor/core/worker';
import { retryableFailure } from './error-outcome.js';
import { abortJob, type HeldJob, jobFields, jobSignal } from './held-job.js';
import type { SandboxPool } from './sandbox-pool.js';
import type { WorkerEvent } from './stats.js';
import { armTimeLimits, watchDeadlines } from './time-limits.js';
import type { WorkflowStepJobs } from './workflow/step-jobs.js';

export interface JobRunner {
  /**
   * Arms the task's time limits and runs the job, here or in a sandbox child (whose limits
   * start once the child is ready to run it); ends it once.
   */
  run(job: HeldJob): void;
  /** Stops watching the worker's default time limit (the worker is stopping). */
  stop(): void;
}

/** What running a job of a task needs, worked out on its first job rather than on every one. */
interface TaskPlan {
  task: AnyTaskDefinition | undefined;
  softMs: number | undefined;
  hardMs: number | undefined;
  /** The worker's default hard limit, for a task without a hard limit of its own. */
  defaultMs: number | undefined;
  sandboxed: SandboxPool | undefined;
}

/**
 * Runs held jobs: time limits (soft aborts `ctx.signal`, hard fails the job and frees its
 * slot, and kills a sandbox child), the run itself, and progress. `end` receives each job's
 * outcome; the worker ignores an outcome that comes after the job was settled.
 */
export function createJobRunner(options: {
  registry: TaskRegistry;
  clock: Clock;
  logger: Logger;
  random: () => number;
  sandbox: SandboxPool | undefined;
  sandboxTasks: ReadonlySet<string> | undefined;
  /** Caps on a job's input and result, in UTF-8 bytes (see `runJob`). */
  maxPayloadBytes: number;
  maxResultBytes: number;
  /** The default for tasks that set no `removeOnComplete` (see `runJob`). */
  removeOnComplete: boolean;
  /** Hard limit (ms) for tasks that set none; undefined: none. */
  defaultTimeoutMs: number | undefined;
  /** Every held job; the running ones are checked against the default limit. */
  jobs: () => Iterable<HeldJob>;
  emit: (event: WorkerEvent) => void;
  end: (job: HeldJob, outcome: JobOutcome) => void;
  /** Runs workflow step jobs (a transport with `workflows`): every outcome goes through its `end`. */
  workflowSteps?: WorkflowStepJobs | undefined;
}): JobRunner {
  const { registry, clock, logger, random, sandbox, sandboxTasks, emit, workflowSteps } = options;
  const end = workflowSteps ? workflowSteps.end : options.end;
  const { maxPayloadBytes, maxResultBytes, removeOnComplete } = options;
  const plans = new Map<string, TaskPlan>();
  const deadlines = watchDeadlines({
    clock,
    runs: options.jobs,
    deadlineOf(job) {
      if (job.phase !== 'running' || job.limitsFrom === undefined) return undefined;
      const { defaultMs } = planOf(job.task);
      return defaultMs === undefined ? undefined : job.limitsFrom + defaultMs;
    },
    onExpired: (job) => hardLimit(job, planOf(job.task), 'worker'),
  });

  function planOf(name: string): TaskPlan {
    const known = plans.get(name);
    if (known) return known;
    const task = registry.get(name);
    const limits = task ? resolveTimeLimits(task.timeout, task.name) : {};
    const { defaultTimeoutMs } = options;
    const plan: TaskPlan = {
      task,
      softMs: limits.softMs,
      hardMs: limits.hardMs,
      // A soft limit past the default moves the default hard limit to it.
      defaultMs:
        task && limits.hardMs === undefined && defaultTimeoutMs !== undefined
          ? Math.max(defaultTimeoutMs, limits.softMs ?? 0)
          : undefined,
      sandboxed: sandbox && sandboxTasks?.has(name) ? sandbox : undefined,
    };
    // Names of unknown tasks come from the queue: not kept, so they cannot pile up.
    if (task) plans.set(name, plan);
    return plan;
  }

  /** Fails the job as timed out and frees its slot; kills its sandbox child, if any. */
  function hardLimit(job: HeldJob, plan: TaskPlan, origin: 'task' | 'worker'): void {
    const limitMs = (origin === 'task' ? plan.hardMs : plan.defaultMs) as number;
    const error = new TimeLimitError(job.task, limitMs, 'hard', origin);
    emit({ type: 'hardTimeLimits', task: job.task, jobId: job.id });
    logger.error(
      { ...jobFields(job), limitMs, limit: origin === 'task' ? 'task' : 'worker default' },
      'hard time limit reached: failing the job and freeing its slot',
    );
    abortJob(job, error);
    end(job, retryableFailure(job.reservation, plan.task, error, random));
    // In a child process the run can really be stopped; in this one it runs on, unheard.
    plan.sandboxed?.kill(job);
  }

  /**
   * Arms the job's soft and hard limits (from now) and its default deadline (from `from`, when
   * its run began). A job that ended meanwhile (released at shutdown, its lease lost while its
   * sandbox child started) gets none.
   */
  function startLimits(job: HeldJob, plan: TaskPlan, from: number): void {
    if (job.phase !== 'running') return;
    job.limitsFrom = from;
    // No timers (and no closures) for the many tasks without time limits of their own:
    // the default limit shares one timer.
    if (plan.softMs !== undefined || plan.hardMs !== undefined) armLimits(job, plan);
    if (plan.defaultMs !== undefined) deadlines.watch(job.limitsFrom + plan.defaultMs);
  }

  function armLimits(job: HeldJob, plan: TaskPlan): void {
    job.limits = armTimeLimits({
      clock,
      softMs: plan.softMs,
      hardMs: plan.hardMs,
      onSoft(limitMs) {
        emit({ type: 'softTimeLimits', task: job.task, jobId: job.id });
        logger.warn({ ...jobFields(job), limitMs }, 'soft time limit reached: aborting ctx.signal');
        abortJob(job, new TimeLimitError(job.task, limitMs, 'soft'));
      },
      onHard: () => hardLimit(job, plan, 'task'),
    });
  }

  /** Runs the job (here or in a sandbox child) and ends it with the outcome. */
  async function runToEnd(
    job: HeldJob,
    plan: TaskPlan,
    reservation: Reservation = job.reservation,
  ): Promise<void> {
    const { task, sandboxed } = plan;
    const onProgress = (value: JsonValue): void => recordProgress(job, value);
    let outcome: JobOutcome;
    try {
      outcome = await (sandboxed
        ? sandboxed.run(
            job,
            // Its limits start when its child is ready: a fresh child's start-up (after a
            // kill, or when all are busy) can outlast a short hard limit.
            { onStart: () => startLimits(job, plan, clock.now()), onProgress },
            reservation,
          )
        : runJob(reservation, {
            registry,
            signal: () => jobSignal(job),
            logger,
            random,
            onProgress,
            maxPayloadBytes,
            maxResultBytes,
            removeOnComplete,
          }));
    } catch (error) {
      // runJob never rejects by contract; a sandbox does when its child dies.
      outcome = retryableFailure(reservation, task, error, random);
    }
    end(job, outcome);
  }

  return {
    run(job) {
      const plan = planOf(job.task);
      if (!plan.sandboxed) startLimits(job, plan, job.startedAt ?? clock.now());
      // A workflow's step job: claimed and its input resolved first (or ended unrun).
      if (workflowSteps && job.reservation.envelope.workflow) {
        workflowSteps.start(job, (reservation) => {
          void runToEnd(job, plan, reservation);
        });
      } else {
        void runToEnd(job, plan);
      }
    },
    stop: () => deadlines.stop(),
  };
}

function recordProgress(job: HeldJob, value: JsonValue): void {
  job.progress = value;
  job.progressDirty = true;
}
