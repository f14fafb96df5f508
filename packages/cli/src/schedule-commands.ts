import type { Command } from 'commander';
import type { CommandName, dispatch } from './actions.js';
import { brokerCommand, examples, transportHelp } from './command-help.js';
import { unknownCommand } from './help-command.js';
import { parseQueueList, parseScheduleId, parseStoredQueue } from './options.js';
import { addRedactOptions, addTasksForMarks, MARKS_HELP, redactionHelp } from './redact-options.js';

/**
 * `conveyor schedules` (the list) and its subcommands `run-now`, `pause`, `resume` and
 * `remove`.
 */
export function addScheduleCommands(program: Command, run: ReturnType<typeof dispatch>): void {
  const listed = brokerCommand(
    program,
    'schedules',
    'list the stored schedules: next 3 fire times, last slot and its job, paused, orphaned, superseded',
    {
      notes: `
Subcommands: run-now <id> (enqueue the schedule's job now, outside its slots), pause <id>,
resume <id>, remove <id>. An id stored in more than one queue needs --queue. Orphaned: a
schedule declared in code that no live worker declares any more; it does not fire, and is
never deleted on its own: remove deletes it (one a live worker still declares is stored again).
Superseded: a copy left by a change of a partitioned queue's partition count (or of the
partition its input's partitionBy value picks); the copy stored last fires, this one does
not. Remove it with --queue <partition> once the old partitions drain.
${redactionHelp("each schedule's input in --json")}${MARKS_HELP}`,
      examples: [
        'conveyor schedules',
        'conveyor schedules --queues reports --json',
        'conveyor schedules run-now shop.lowStockReport',
        'conveyor schedules pause shop.lowStockReport --queue reports',
      ],
    },
  );
  const schedules = addTasksForMarks(addRedactOptions(listed, 'the schedule inputs'))
    // No -q here: this command sees the options after a subcommand too (`pause x -q mail`).
    .option(
      '--queues <list>',
      'only these queues (comma-separated or repeated); a partitioned queue with all its partitions, emails~3of8 one',
      parseQueueList('--queues'),
    )
    .option('--json', 'print {"schedules": [...]} as JSON')
    // An operand is a mistyped subcommand (`schedules pasue x`): said as such, not as
    // commander's "too many arguments for 'schedules'". Subcommands inherit this setting
    // when created, so each turns it off again below.
    .allowExcessArguments(true)
    .hook('preAction', (command, actionCommand) => {
      // Hooks run for the subcommands' actions too: only the list's operands are a typo.
      if (actionCommand !== command) return;
      const [first] = command.args;
      if (first === undefined) return;
      const names = command.commands.map((sub) => sub.name());
      throw unknownCommand(
        first,
        'conveyor schedules',
        names,
        ', or nothing to list the schedules',
      );
    })
    .action(run('schedules'));
  const actions: Array<[CommandName, string, string]> = [
    [
      'schedules run-now',
      'run-now',
      "enqueue a schedule's job now (a new job id; its slots and a pause are unaffected)",
    ],
    ['schedules pause', 'pause', 'stop a schedule firing until resumed (kept across deploys)'],
    ['schedules resume', 'resume', 'let a paused schedule fire again, from its next slot'],
    [
      'schedules remove',
      'remove',
      'delete a stored schedule, such as an orphan (one a live worker declares is stored again: pause that instead)',
    ],
  ];
  for (const [name, sub, description] of actions) {
    schedules
      .command(sub)
      .description(description)
      .argument('<id>', 'the schedule id', parseScheduleId)
      // `pause a b` must not pause a alone and exit 0, as if b were fine.
      .allowExcessArguments(false)
      .option(
        '-q, --queue <queue>',
        "the schedule's queue, when the id is in more than one",
        parseStoredQueue('--queue'),
      )
      .option('--json', 'print the outcome as JSON')
      .addHelpText(
        'after',
        transportHelp() + examples(`conveyor schedules ${sub} shop.lowStockReport`),
      )
      .action(run(name));
  }
}
