import {
  ENDED_WORKFLOW_STATUSES,
  isWorkflowId,
  WORKFLOW_ID_RULE,
  type WorkflowStatus,
} from '@conveyor/core';
import { type Command, Option } from 'commander';
import type { CommandName, dispatch } from './actions.js';
import { brokerCommand, examples } from './command-help.js';
import { usageError } from './errors.js';
import { unknownCommand } from './help-command.js';
import { parseInteger, parseJobId } from './options.js';

/** Checks a workflow id ({@link WORKFLOW_ID_RULE}); quotes a bad one. */
function parseWorkflowId(value: string): string {
  if (!isWorkflowId(value)) throw usageError('workflow id', value, WORKFLOW_ID_RULE);
  return value;
}

/** What `conveyor workflows list --status` takes: `running` (the default), then the ended ones. */
const LIST_STATUSES: readonly WorkflowStatus[] = ['running', ...ENDED_WORKFLOW_STATUSES];

/** Checks `--status`; quotes a bad value and names the valid ones. */
function parseStatus(value: string): WorkflowStatus {
  const status = LIST_STATUSES.find((known) => known === value);
  if (status === undefined)
    throw usageError('--status', value, `one of ${LIST_STATUSES.join(', ')}`);
  return status;
}

/**
 * Whether `conveyor inspect`'s argument names a workflow: `wf_…` without a `:`. A job id
 * always has one (`<queue>:<unique>`), and `wf_orders` is a valid queue name.
 */
export function namesWorkflow(value: string): boolean {
  return value.startsWith('wf_') && !value.includes(':');
}

/** `conveyor inspect`'s argument: a workflow id (`wf_…`) or a job id (`<queue>:<unique>`). */
export function parseInspectId(value: string): string {
  return namesWorkflow(value) ? parseWorkflowId(value) : parseJobId(value);
}

/**
 * `conveyor workflows list`, `conveyor workflows cancel <id>` and `conveyor workflows retry
 * <id>`. A workflow's tree is `conveyor inspect <id>`.
 */
export function addWorkflowCommands(program: Command, run: ReturnType<typeof dispatch>): void {
  const workflows = program
    .command('workflows')
    .description(
      'list the running (or failed, cancelled, …) workflows, cancel a running one, retry a failed one from its failed step',
    )
    .addHelpText(
      'after',
      `
Subcommands: list, cancel <id>, retry <id>. \`conveyor inspect <workflow id>\` prints a
workflow's stages and steps with each step's state, attempts and job id. Each needs the
transport's workflows capability (transport.workflows; the Redis and memory transports have it).
${examples('conveyor workflows list', 'conveyor workflows list --status failed', 'conveyor workflows cancel wf_mi9x0q2k3aXb7c9dE', 'conveyor workflows retry wf_mi9x0q2k3aXb7c9dE --json')}`,
    );
  brokerCommand(
    workflows,
    'list',
    'list the running workflows, oldest first, with the stage each is in; or, with --status, those that ended so, newest first',
    {
      notes: `
The CHANGED column shows how long each has waited since its last change: a stuck run
stands out there. A workflow retried after it ended is listed by its retry.
--status failed (compensated, cancelled, completed) lists the workflows that ended so, the
most recently ended first, with when each finished and started; a failed or compensated
one with the step whose failure ended it and its error (and a compensation that failed after
it: the undo did not happen). Retry a failed one with
\`conveyor workflows retry <id>\`: it then runs again and leaves the failed list. Finished
workflows are kept for the transport's result TTL (defaultResultTtlMs, 24 h by default)
after they end, whatever their tasks' resultTtl.
`,
      examples: [
        'conveyor workflows list',
        'conveyor workflows list --status failed',
        'conveyor workflows list --limit 200 --json',
      ],
      // `conveyor workflows` alone lists, as `conveyor schedules` does.
      isDefault: true,
    },
  )
    .addOption(
      new Option(
        '--status <status>',
        'which workflows: running, or those that ended failed, compensated, cancelled or completed',
      )
        .argParser(parseStatus)
        .default('running'),
    )
    .option('--limit <n>', 'most workflows to list', parseInteger('--limit', 1, 10_000), 50)
    .option('--json', 'print {"workflows", "more"} as JSON')
    // Being the default, `list` gets a mistyped subcommand (`workflows retyr wf_…`) as an
    // operand: said as such, not as commander's "too many arguments for 'list'".
    .allowExcessArguments(true)
    .hook('preAction', (command) => {
      const [first] = command.args;
      if (first === undefined) return;
      const names = workflows.commands.map((sub) => sub.name()).filter((n) => n !== 'help');
      throw unknownCommand(
        first,
        'conveyor workflows',
        names,
        ', or nothing to list them; `conveyor inspect <workflow id>` shows one run',
      );
    })
    .action(run('workflows list'));
  const actions: Array<[CommandName, string, string, string]> = [
    [
      'workflows cancel',
      'cancel',
      'cancel a running workflow: no step starts after it; waiting step jobs are cancelled and running ones see ctx.signal fire',
      'Exit codes: 4 no such workflow (or its record expired), 7 the workflow is not running.',
    ],
    [
      'workflows retry',
      'retry',
      'run a failed workflow again from its failed step (completed steps keep their results)',
      "Exit codes: 4 no such workflow (or its record expired), 7 the workflow is not failed.\nThe retried step's job gets a new id (…r1), so the failed one stays inspectable.",
    ],
  ];
  for (const [name, sub, description, notes] of actions) {
    brokerCommand(workflows, sub, description, {
      notes: `\n${notes}\n`,
      examples: [`conveyor workflows ${sub} wf_mi9x0q2k3aXb7c9dE`],
    })
      .argument('<id>', 'the workflow id, wf_…', parseWorkflowId)
      .option('--json', 'print the outcome as JSON')
      .action(run(name));
  }
}
