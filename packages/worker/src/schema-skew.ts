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
