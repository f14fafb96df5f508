import { type Command, InvalidArgumentError, Option } from 'commander';
import { examples, transportHelp } from './command-help.js';
import { parseDuration } from './durations.js';
import { parseInteger, parsePartitionCount, parseQueueList } from './options.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `conveyor worker`: its options and help; `action` runs it (see actions.ts). */
export function addWorkerCommand(
  program: Command,
  action: (...args: unknown[]) => Promise<void>,
): void {
  program
    .command('worker')
    .description('run a worker: reserve jobs from the queues and run their tasks')
    .option(
      '-t, --tasks <module>',
      'task module (the registry the codegen writes, or any module exporting tasks); .ts loads through tsx',
    )
    .option(
      '-q, --queues <list>',
      'queues to consume, comma-separated or repeated (default: every queue the tasks name); a partitioned queue means all its partitions, emails~3of8 only that one',
      parseQueueList('--queues'),
    )
    .option(
      '--partitions <queue>=<n>',
      'partition a queue the tasks do not partition themselves, as createWorker({ partitions }) does (repeat per queue; producers need the same count)',
      parsePartitionCount('--partitions'),
    )
    .option(
      '-c, --concurrency <n>',
      'jobs run at once (default 10)',
      parseInteger('--concurrency', 1),
    )
    .option(
      '--prefetch <n>',
      'extra jobs reserved ahead of free slots (default 0)',
      parseInteger('--prefetch', 0),
    )
    .option('--lease-ms <ms>', 'lease length (default 30000)', parseDuration('--lease-ms', 'ms', 1))
    .option(
      '--heartbeat-ms <ms>',
      'lease renewal interval (default lease / 3)',
      parseDuration('--heartbeat-ms', 'ms', 1),
    )
    .option(
      '--grace-ms <ms>',
      'on SIGTERM, how long running jobs may finish before they are released (default 30000)',
      parseDuration('--grace-ms', 'ms', 0),
    )
    .option(
      '--time-limit <ms>',
      'hard time limit of a run whose task sets no timeout (ms, or 30s, 5m, 1h): the job fails as TIME_LIMIT_EXCEEDED (retried while attempts remain) and its slot is freed (default 1800000, 30 min; 0: none)',
      parseDuration('--time-limit', 'ms', 0),
    )
    .option(
      '--reserve-wait-ms <ms>',
      'how long one reserve call blocks (default 2000)',
      parseDuration('--reserve-wait-ms', 'ms', 0),
    )
    .option(
      '--settle-batch-size <n>',
      'most settlements per call (default 100)',
      parseInteger('--settle-batch-size', 1),
    )
    .option('--worker-id <id>', 'worker id shown by status (default <host>:<pid>:<random>)')
    .option(
      '--wait-for-broker <seconds>',
      "at start, keep trying to reach Redis (or the config's broker) for up to this long (seconds, or 2m), as when the worker starts beside it (docker compose, a pod), before failing with exit 3 (default 0: fail at once)",
      parseDuration('--wait-for-broker', 's', 0),
    )
    .option(
      '--metrics-port <port>',
      'serve /metrics (Prometheus) and /healthz on this port',
      parseInteger('--metrics-port', 0, 65_535),
    )
    .option('--metrics-host <host>', 'interface for the metrics server (default 0.0.0.0)')
    .option(
      '--max-waiting-for-limits <n>',
      'jobs held at a rate limit or concurrency cap before fetching pauses',
      parseInteger('--max-waiting-for-limits', 0),
    )
    .option(
      '--result-ttl-ms <ms>',
      'how long finished jobs stay readable when their task names no TTL (default 86400000, 24 h)',
      parseDuration('--result-ttl-ms', 'ms', 1),
    )
    .option(
      '--max-finished <n>',
      'finished jobs kept per queue, the oldest deleted first (default 10000; 0: no count bound)',
      parseInteger('--max-finished', 0),
    )
    .option(
      '--remove-on-complete',
      "delete each completed job's record at once, result and all, for tasks that do not set removeOnComplete themselves (failed and dead jobs are kept)",
    )
    .option(
      '--max-payload-bytes <n>',
      'largest job input run, in UTF-8 bytes of its JSON; a larger one is dead-lettered as PAYLOAD_TOO_LARGE without running (default 524288, 512 KiB)',
      parseInteger('--max-payload-bytes', 1),
    )
    .option(
      '--max-result-bytes <n>',
      'largest result stored, in UTF-8 bytes of its JSON; a larger one fails the job as RESULT_TOO_LARGE (default 524288, 512 KiB)',
      parseInteger('--max-result-bytes', 1),
    )
    .option(
      '--max-workflow-children <n>',
      'most children a workflow map stage may fan out to; more fail the step as WORKFLOW_TOO_LARGE (default 10000, at most 100000)',
      parseInteger('--max-workflow-children', 1, 100_000),
    )
    .option(
      '--sandbox-all',
      'run every task in a child process (tasks with sandbox: true always are), so a hard time limit can kill it',
    )
    .addOption(
      new Option('--log-level <level>', 'pino log level')
        .choices(LOG_LEVELS)
        // INFO, as Celery's --loglevel takes it, reads as info.
        .argParser((value) => {
          const level = value.toLowerCase();
          if (LOG_LEVELS.includes(level)) return level;
          throw new InvalidArgumentError(`Allowed choices are ${LOG_LEVELS.join(', ')}.`);
        })
        .default('info'),
    )
    .addOption(
      new Option(
        '--log-format <format>',
        'json: a pino JSON object per line, for log collectors; text: lines for a person (default: $CONVEYOR_LOG_FORMAT, else text on a terminal, json otherwise)',
      ).choices(['json', 'text']),
    )
    .addHelpText(
      'after',
      `
Without --tasks, the worker runs the registry named by the config file (--config, else
conveyor.config.ts in the cwd). SIGTERM or SIGINT stops gracefully: no new jobs, running ones
get --grace-ms to finish, the rest go back to their queue. A second signal releases them at once
and exits within 10 s even while Redis does not answer; a third exits at once (jobs not given
back run again when their leases run out). A signal before "Ready." stops the start-up at once.
${transportHelp()}${examples(
  'conveyor worker --tasks src/generated/registry.ts',
  'conveyor worker --config apps/shop/conveyor.config.ts --queues emails',
  'conveyor worker -t dist/tasks.js -q emails,reports -c 20 --prefetch 10 --metrics-port 9464',
  'conveyor worker -t dist/tasks.js -q reports --time-limit 7200000   # reports may run 2 h',
  'conveyor worker -t dist/tasks.js --partitions emails=8 --partitions reports=4',
  'conveyor worker -t dist/tasks.js -q webhooks --remove-on-complete   # no results kept',
)}`,
    )
    .action(action);
}
