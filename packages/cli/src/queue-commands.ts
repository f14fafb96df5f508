import { MAX_PARTITIONS } from '@conveyor/core/transport';
import type { Command } from 'commander';
import type { CommandName, dispatch } from './actions.js';
import { brokerCommand } from './command-help.js';
import { parseInteger, parseStoredQueue } from './options.js';

/** `conveyor pause <queue>` and `conveyor resume <queue>`. */
export function addQueueCommands(program: Command, run: ReturnType<typeof dispatch>): void {
  const commands: Array<[CommandName, string, string, string[]]> = [
    [
      'pause',
      'stop workers taking jobs from a queue until it is resumed (running jobs finish; new jobs wait)',
      `
Kept in Redis: it outlasts worker restarts and deploys, and every worker sees it at its next
reserve. Enqueues, delayed jobs coming due and retries go on; their jobs wait. A partitioned
queue is paused in every partition (every partition of each count it has been stored under,
and those of --partitions n); name one partition (emails~3of8) to pause only that one. A queue
that has held no job and has no worker is refused as a likely typo unless --new is given (then
pass --partitions n too if its tasks declare partitions), and so is a --partitions n that
contradicts the count the queue is stored in. A Redis that loses its data loses the pause.
\`conveyor status\` marks paused queues, and a worker starting on one says so.
`,
      [
        'conveyor pause emails',
        'conveyor pause emails --partitions 8 --new',
        'conveyor pause emails~3of8 --json',
      ],
    ],
    [
      'resume',
      'let workers take jobs from a paused queue again (blocked workers wake at once)',
      `
A partitioned queue is resumed in every partition, as pause pauses them. A queue that has held
no job and has no worker is refused as a likely typo (exit 2).
`,
      ['conveyor resume emails', 'conveyor resume emails --json'],
    ],
  ];
  for (const [name, description, notes, examples] of commands) {
    const command = brokerCommand(program, name, description, { admin: true, notes, examples })
      .argument(
        '<queue>',
        'the queue, or one partition of a partitioned queue (emails~3of8)',
        parseStoredQueue('queue'),
      )
      .option(
        '--partitions <n>',
        `also every partition of an n-partition queue (2–${MAX_PARTITIONS}), stored or not`,
        parseInteger('--partitions', 2, MAX_PARTITIONS),
      )
      .option('--json', 'print {"queue", "paused", "changed": [...], "partitions"?} as JSON');
    if (name === 'pause') command.option('--new', 'pause a queue that has held no job yet');
    command.action(run(name));
  }
}
