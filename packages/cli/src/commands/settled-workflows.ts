import type { Transport, WorkflowStatus } from '@conveyor/core';
import type { FollowUp } from '../follow-up.js';
import { namedList } from '../output.js';
import { terminalText } from '../terminal-text.js';

/** Workflows whose status a retry's message looks up, at most: the rest are named as failed. */
const LOOKED_UP = 50;

/**
 * Of the workflows whose step jobs a retry left dead, those no longer failed (retried since,
 * completed, cancelled), with their status. `retry --all-dead` sent the reader to
 * `conveyor workflows retry` for each, which answered "is completed, not failed" for these.
 * Only the first {@link LOOKED_UP} are looked up; a lookup that fails counts as failed.
 */
export async function notFailedWorkflows(
  transport: Transport,
  workflows: readonly string[],
): Promise<Array<{ id: string; status: WorkflowStatus }>> {
  const store = transport.workflows;
  if (!store) return [];
  const looked = await Promise.all(
    workflows.slice(0, LOOKED_UP).map(async (id) => ({
      id,
      status: await store.get(id).then(
        (run) => run?.status,
        () => undefined,
      ),
    })),
  );
  return looked.filter(
    (w): w is { id: string; status: WorkflowStatus } =>
      w.status !== undefined && w.status !== 'failed',
  );
}

/**
 * `The workflows wf_a (completed), … are no longer failed: nothing is left to retry for their
 * step jobs, which stay dead until …` (`would stay` in a dry run); undefined when none.
 */
export function notFailedLine(
  settled: ReadonlyArray<{ id: string; status: WorkflowStatus }>,
  queue: string,
  dryRun: boolean,
  { command, note }: FollowUp,
): string | undefined {
  if (settled.length === 0) return undefined;
  const named = namedList(
    settled.map(({ id, status }) => `${id} (${status})`),
    'workflows',
  );
  const one = settled.length === 1;
  return terminalText(
    `${one ? 'The workflow' : 'The workflows'} ${named} ${one ? 'is' : 'are'} no longer failed: nothing is left to retry for ${one ? 'its' : 'their'} step jobs, which ${dryRun ? 'would stay' : 'stay'} dead as a record of the failed attempt until \`${command`purge ${queue} --dead`}\`${note} (every dead job of the queue).`,
  );
}
