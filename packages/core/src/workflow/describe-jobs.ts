import type { Transport } from '../transport.js';
import type { WorkflowRecord } from '../transport-workflows.js';
import {
  type DescribeWorkflowOptions,
  describeWorkflow,
  listedJobIds,
  type StepJobAttempts,
  type WorkflowView,
} from './describe.js';

/** Step jobs looked up side by side; a 10,000-child listing goes in rounds of this many. */
const LOOKUPS_AT_ONCE = 64;

/**
 * {@link describeWorkflow} with the attempts of each step job the view lists, read from the
 * jobs' records: what `handle.status()`, `conveyor inspect <workflow id>` and the dashboard's
 * workflow page show. Only listed jobs are read (a map's first children and its failed ones,
 * unless `children: 'all'`), so a large map costs a bounded number of lookups; a job gone
 * from the transport (trimmed, purged) is shown without attempts.
 */
export async function describeWorkflowWithJobs(
  transport: Transport,
  record: WorkflowRecord,
  options: Omit<DescribeWorkflowOptions, 'jobs'> = {},
): Promise<WorkflowView> {
  const ids = listedJobIds(describeWorkflow(record, options));
  const jobs = new Map<string, StepJobAttempts>();
  for (let from = 0; from < ids.length; from += LOOKUPS_AT_ONCE) {
    const records = await Promise.all(
      ids.slice(from, from + LOOKUPS_AT_ONCE).map((id) => transport.getJob(id)),
    );
    for (const job of records) {
      if (job) jobs.set(job.id, { attempts: job.attempts, maxAttempts: job.envelope.maxAttempts });
    }
  }
  return describeWorkflow(record, { ...options, jobs });
}
