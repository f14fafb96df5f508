import type { JobError } from '../job-error.js';
import type { WorkflowRecord, WorkflowStatus, WorkflowStepState } from '../transport-workflows.js';
import type { WorkflowFailure } from './errors.js';

/**
 * What `handle.status()` answers: a workflow run as a producer sees it, derived from the
 * transport's record. Stable: fields are added, never renamed.
 */
export interface WorkflowInfo {
  id: string;
  /** The workflow's name. */
  workflow: string;
  status: WorkflowStatus;
  /** Index of the stage running now; equal to `stages` once every stage has completed. */
  stage: number;
  /** How many stages the workflow has (compensations not counted). */
  stages: number;
  /** Every step in plan order (a map's children after its step, by index), then the compensations. */
  steps: WorkflowStepInfo[];
  /** The step failure that failed the workflow or started a compensation. */
  failure?: WorkflowFailure;
  /** The plan's fingerprint: which version of the definition the run follows. */
  planFingerprint: string;
  /** Transport clock, ms since the epoch. */
  createdAt: number;
  /** Transport clock at the record's last change. */
  updatedAt: number;
  finishedAt?: number;
  /** When a still-running workflow fails with `WORKFLOW_TIMED_OUT`. */
  deadline?: number;
}

/** One step of a run (or one child of a map stage, with `child`). */
export interface WorkflowStepInfo {
  step: string;
  /** A map child's index, from 0. */
  child?: number;
  /** `compensation` for a compensation step; otherwise its stage's kind. */
  kind: 'step' | 'parallel' | 'map' | 'compensation';
  /** Index of its stage; absent for a compensation. */
  stage?: number;
  task: string;
  queue: string;
  state: WorkflowStepState;
  /**
   * How many times `handle.retry()` ran it again (0 before any). Its job's own attempts are
   * on the job: `client.job(jobId).info()`.
   */
  retries: number;
  /** Its current job's id, once it has one. */
  jobId?: string;
  /** The error its job died with, for a failed or skipped step. */
  error?: JobError;
}

/** The {@link WorkflowInfo} of a stored record. */
export function workflowInfo(record: WorkflowRecord): WorkflowInfo {
  const { plan } = record;
  const where = new Map<string, Pick<WorkflowStepInfo, 'kind' | 'stage' | 'task' | 'queue'>>();
  plan.stages.forEach((stage, index) => {
    for (const step of stage.steps) {
      where.set(step.name, { kind: stage.kind, stage: index, task: step.task, queue: step.queue });
    }
  });
  for (const step of plan.compensations) {
    where.set(step.name, { kind: 'compensation', task: step.task, queue: step.queue });
  }
  const steps = record.steps.map((rec): WorkflowStepInfo => {
    const found = where.get(rec.step);
    return {
      step: rec.step,
      ...(rec.child === undefined ? {} : { child: rec.child }),
      kind: found?.kind ?? 'step',
      ...(found?.stage === undefined ? {} : { stage: found.stage }),
      task: found?.task ?? '',
      queue: found?.queue ?? '',
      state: rec.state,
      retries: rec.retries,
      ...(rec.jobId === undefined ? {} : { jobId: rec.jobId }),
      ...(rec.error === undefined ? {} : { error: rec.error }),
    };
  });
  return {
    id: record.id,
    workflow: plan.workflow,
    status: record.status,
    stage: record.stage,
    stages: plan.stages.length,
    steps,
    ...(record.failure === undefined ? {} : { failure: record.failure }),
    planFingerprint: plan.fingerprint,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(record.finishedAt === undefined ? {} : { finishedAt: record.finishedAt }),
    ...(record.deadline === undefined ? {} : { deadline: record.deadline }),
  };
}
