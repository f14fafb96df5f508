import type { Command } from 'commander';
import type { dispatch } from './actions.js';
import { brokerCommand } from './command-help.js';
import { parseJobId, parseStoredQueue } from './options.js';

/** `conveyor promote <job-id...>` and `conveyor promote --all --queue <queue>`. */
export function addPromoteCommand(program: Command, run: ReturnType<typeof dispatch>): void {
  brokerCommand(
    program,
    'promote',
    'run delayed jobs now: they move to waiting, behind the jobs already waiting',
    {
      admin: true,
      notes: `
A delayed job waits for its due time: one enqueued with a delay, or a retry waiting out its
backoff (its attempt count stays). Promoted, it becomes waiting at the end of its priority's
line (several in the order they were due), and an idle worker takes it at once.
Each job id names its queue. An id that did not move is named on stderr with the reason (no
such job, or its state): exit 4 when each of them was not found, else 7; the others still move.
--all --queue on a partitioned queue promotes every partition's delayed jobs; --queue
emails~3of8 only that partition's. It asks first on a terminal, with the count (unless --yes,
or there is nothing to promote); when stdin is not a terminal it needs --yes, else it exits 5,
saying the count, as purge does. --dry-run says how many it would promote, and changes nothing.
On a paused queue the promoted jobs wait until \`conveyor resume <queue>\`; it says so.
`,
      examples: [
        'conveyor promote emails:mi9x0q2k3a',
        'conveyor promote emails:mi9x0q2k3a emails:mi9x0q2k3b --json',
        'conveyor promote --all --queue emails --dry-run',
        'conveyor promote --all --queue emails --yes',
      ],
    },
  )
    .argument(
      '[job-id...]',
      'delayed jobs to run now (the queue comes from each id)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), parseJobId(value)],
    )
    .option('--all', 'promote every delayed job of --queue')
    .option(
      '-q, --queue <queue>',
      'the queue, with --all: a partitioned queue means all its partitions, emails~3of8 one',
      parseStoredQueue('--queue'),
    )
    .option(
      '-y, --yes',
      'with --all: do not ask for confirmation (required when stdin is not a terminal)',
    )
    .option('--dry-run', 'with --all: say how many delayed jobs would be promoted; change nothing')
    .option('--json', 'print the outcome as JSON')
    .action(run('promote'));
}
