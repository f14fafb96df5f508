import { type Command, Option } from 'commander';
import { brokerCommand } from './command-help.js';
import { MAX_DELAY_MS, parseDuration, parseWaitSeconds } from './durations.js';
import { parseInteger } from './options.js';
import { addRedactOptions, redactionHelp } from './redact-options.js';

/** `conveyor enqueue`: its options and help; `action` runs it (see actions.ts). */
export function addEnqueueCommand(
  program: Command,
  action: (...args: unknown[]) => Promise<void>,
): void {
  const command = brokerCommand(
    program,
    'enqueue',
    "enqueue one job of a task (or start a workflow), its input checked by the schema (Celery's `celery call`)",
    {
      notes: `
The tasks come from --tasks <module>, else from the client that conveyor generate writes (the
config's \`client\`): contracts only, so no task code is loaded. The input is JSON: the
argument, or --input-file (- reads stdin). The task's own queue, priority and retry policy
apply unless an option overrides them. A workflow's name starts a run of it (--idempotency-key
applies; --delay, --priority and --attempts are a job's). --wait prints the result once the job
or run ends; the command then exits 1 unless it completed (it goes on after a --wait that ran
out).
${redactionHelp('the result --wait prints')}The fields the task's input schema marks with .meta({ redact: true }) are redacted too.
`,
      examples: [
        `conveyor enqueue shop.sendOrderConfirmation '{"orderId":"o-1"}'`,
        'conveyor enqueue reports.daily --input-file params.json --delay 60000',
        `conveyor enqueue reports.daily '{"day":"2026-12-06"}' --wait 120 --json`,
        `echo '{"orderId":"o-1"}' | conveyor enqueue shop.sendOrderConfirmation --input-file -`,
        `conveyor enqueue shop.placeOrder --input-file order.json --idempotency-key o-1`,
      ],
    },
  );
  addRedactOptions(command, 'the result (--wait)')
    .argument('<task>', 'the task (or workflow) name, e.g. shop.sendOrderConfirmation')
    .argument('[input]', 'the job input as JSON')
    .option(
      '-t, --tasks <module>',
      'module exporting the tasks or their contracts (default: the generated client the config names); .ts loads through tsx',
    )
    .option('--input-file <file>', 'read the input JSON from a file (- for stdin)')
    .option(
      '--delay <ms>',
      'run no earlier than this long from now: ms, or with a unit (30s, 5m, 1h, 2d)',
      // Bounded as core bounds it: past it, core's refusal named neither --delay nor the value.
      parseDuration('--delay', 'ms', 0, MAX_DELAY_MS),
    )
    .option(
      '--priority <n>',
      '0–9, higher first (default: the task’s)',
      parseInteger('--priority', 0, 9),
    )
    .option(
      '--attempts <n>',
      'total runs allowed, 1–1000 (default: the task’s retry policy)',
      // Core's bound (assertAttempts): said here with the option's name.
      parseInteger('--attempts', 1, 1_000),
    )
    .option('--idempotency-key <key>', 'a second enqueue with the same key returns the first job')
    .addOption(
      new Option(
        '--wait [seconds]',
        'wait for the outcome (at most this many seconds, or with a unit: 2m) and print the result',
      ).argParser(parseWaitSeconds('--wait', ' (or --wait alone: no limit)')),
    )
    .option(
      '--json',
      'print {"id", "task" (or "workflow"), "duplicate", "state"} (and "result" or "error" with --wait)',
    )
    .action(action);
}
