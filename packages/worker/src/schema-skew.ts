import type { Logger } from '@conveyor/core';
import { type HeldJob, jobFields } from './held-job.js';
import type { WorkerEvent } from './stats.js';

/**
 * The producer validated with another version of the task's input schema than this
 * worker's (their fingerprints differ): count it and say so. The job still runs, validated
 * with the worker's schema; it fails only if that validation does.
 */
export function checkSchemaSkew(
  job: HeldJob,
  workerSchema: string | undefined,
  emit: (event: WorkerEvent) => void,
  logger: Logger,
): void {
  const stamped = job.reservation.envelope.schema;
  if (workerSchema === undefined || stamped === undefined || stamped === workerSchema) return;
  emit({ type: 'schemaSkew', task: job.task, jobId: job.id });
  logger.warn(
    { ...jobFields(job), producerSchema: stamped, workerSchema },
    "schema skew: the producer and this worker have different versions of the task input schema; validating with the worker's (deploy producers and workers together)",
  );
}

/**
 * The same for a workflow: its run was started by a producer whose input schema (codegen's
 * fingerprint, stored with the run) differs from this worker's definition. Checked for each
 * step job that reads the run's record; the step still runs, and its input mapping gets the
 * stored input as it is.
 */
export function checkWorkflowSchemaSkew(
  job: HeldJob,
  run: { workflow: string; id: string; producerSchema: string | undefined },
  workerSchema: string | undefined,
  emit: (event: WorkerEvent) => void,
  logger: Logger,
): void {
  const { producerSchema } = run;
  if (workerSchema === undefined || producerSchema === undefined) return;
  if (producerSchema === workerSchema) return;
  emit({ type: 'schemaSkew', task: job.task, jobId: job.id });
  logger.warn(
    { ...jobFields(job), workflow: run.workflow, workflowId: run.id, producerSchema, workerSchema },
    'schema skew: this workflow run was started by a producer with another version of the workflow input schema than this worker has; running its steps with the stored input (deploy producers and workers together)',
  );
}
