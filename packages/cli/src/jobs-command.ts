import type { JobListState } from '@conveyor/core';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { dispatch } from './actions.js';
import { brokerCommand } from './command-help.js';
import { LIST_STATES } from './commands/list-jobs.js';
import { usageError } from './errors.js';
import { parseInteger, parseStoredQueue } from './options.js';
import { addRedactOptions, addTasksForMarks, MARKS_HELP, redactionHelp } from './redact-options.js';

function parseState(value: string): JobListState {
  if ((LIST_STATES as readonly string[]).includes(value)) return value as JobListState;
  throw usageError('--state', value, `one of ${LIST_STATES.join(', ')}`);
}

/** `conveyor jobs <queue>`: a page of a queue's jobs in one state, as the dashboard lists them. */
export function addJobsCommand(program: Command, run: ReturnType<typeof dispatch>): void {
  const command = brokerCommand(program, 'jobs', "list a queue's jobs in one state, newest first", {
    admin: true,
    notes: `
Waiting jobs are listed by priority, highest first, and within one the job that joined the
line last first (a delayed job that came due, or a retried one, joins it then, so its ENQUEUED
time can be older than those below it);
delayed ones latest due first; active ones latest started first; dead and finished ones
(completed, failed, cancelled, expired: while their records are kept) last ended first.
--state failed (or completed, cancelled, expired) lists the finished jobs that ended so. A
partitioned queue is listed in that order across its partitions; name one (emails~3of8) to list
only its own. Each page that has more ends with the command for the next (--cursor).
${redactionHelp("each job's input, progress and result in --json")}${MARKS_HELP}`,
    examples: [
      'conveyor jobs emails',
      'conveyor jobs emails --state active',
      'conveyor jobs emails --state failed',
      'conveyor jobs emails --state finished --task shop.sendOrderConfirmation --json',
    ],
  });
  addTasksForMarks(addRedactOptions(command, 'the job inputs, progress and results'))
    .argument(
      '<queue>',
      'the queue, or one partition of a partitioned queue (emails~3of8)',
      parseStoredQueue('queue'),
    )
    .addOption(
      new Option(
        '--state <state>',
        'which jobs: waiting, delayed, active, dead or finished, or the finished ones that ended completed, failed, cancelled or expired',
      )
        .argParser(parseState)
        .default('waiting'),
    )
    .option('--task <name>', 'only the jobs of this task')
    .option('--limit <n>', 'jobs per page', parseInteger('--limit', 1, 500), 50)
    .option('--cursor <cursor>', 'the page after the one that printed this cursor')
    .option('--json', 'print {"queue", "state", "jobs", "next"} as JSON')
    .action(run('jobs'));
}
