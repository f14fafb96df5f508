import { Command, Option } from 'commander';
import { dispatch } from './actions.js';
import { brokerCommand, examples } from './command-help.js';
import { DEFAULT_PREFIX, DEFAULT_REDIS_URL, TLS_OPTIONS } from './connection-settings.js';
import { parseDuration } from './durations.js';
import { addEnqueueCommand } from './enqueue-command.js';
import { addJobsCommand } from './jobs-command.js';
import {
  parseInteger,
  parseJobId,
  parseQueueList,
  parseRedactPaths,
  parseStoredQueue,
} from './options.js';
import type { Io } from './output.js';
import { addPromoteCommand } from './promote-command.js';
import { addQueueCommands } from './queue-commands.js';
import { addRedactOptions, addTasksForMarks, MARKS_HELP, redactionHelp } from './redact-options.js';
import { addScheduleCommands } from './schedule-commands.js';
import { version } from './version.js';
import { addWorkerCommand } from './worker-command.js';
import { addWorkflowCommands, parseInspectId } from './workflow-commands.js';

/**
 * The `conveyor` command tree. Actions run through {@link dispatch}, which opens the
 * connection and turns failures into exit codes.
 */
export function createProgram(io: Io, signal: AbortSignal): Command {
  const program = new Command('conveyor')
    .description(
      'Run Conveyor workers and operate their queues: enqueue, status, inspect, retry, promote, cancel, purge, pause, schedules, workflows.',
    )
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .configureHelp({
      showGlobalOptions: true,
      // The root's options only: a subcommand's parent may have options of its own
      // (`schedules --queues`, `--json` for its list), which do not apply to `run-now`.
      visibleGlobalOptions(cmd) {
        let root = cmd;
        while (root.parent) root = root.parent;
        return root === cmd ? [] : root.options.filter((option) => !option.hidden);
      },
    })
    .option(
      '--config <file>',
      'config file (or a directory holding one): its transport function gives the transport, its registry the worker tasks (default: conveyor.config.ts, .mts, .js, .mjs or .json in the cwd)',
    )
    .addOption(
      new Option(
        '--redis <url>',
        `Redis URL, used instead of the config's transport; a password in it is never printed`,
      )
        .env('REDIS_URL')
        .default(DEFAULT_REDIS_URL),
    )
    .option('--prefix <prefix>', 'Redis key prefix the transport was created with', DEFAULT_PREFIX)
    .addOption(
      new Option('--tls-ca <file>', 'CA certificate (PEM) to trust for a rediss:// URL').env(
        TLS_OPTIONS.ca.env,
      ),
    )
    .addOption(
      new Option(
        '--tls-cert <file>',
        'client certificate (PEM), for a Redis that asks for one',
      ).env(TLS_OPTIONS.cert.env),
    )
    .addOption(
      new Option('--tls-key <file>', 'private key (PEM, unencrypted) of --tls-cert').env(
        TLS_OPTIONS.key.env,
      ),
    )
    .addOption(
      new Option(
        '--tls-servername <name>',
        'host name the server certificate must name, when it differs from the URL host',
      ).env(TLS_OPTIONS.servername.env),
    )
    .addHelpText(
      'after',
      `
Transport: the commands that reach the broker use, first that applies,
  1. Redis, when --redis, --prefix or a --tls-* option is on the command line;
  2. the transport function of the config file (--config, else conveyor.config.ts in the cwd),
     e.g. transport: ({ logger }) => redisTransport({ url: process.env.REDIS_URL, logger });
  3. Redis at REDIS_URL, else ${DEFAULT_REDIS_URL}.
The options go before or after the command name. TLS: a rediss:// URL; add --tls-ca for a
private CA, and --tls-cert with --tls-key when Redis asks for a client certificate (each
option, or its environment variable, names a PEM file).

Exit codes: 0 ok, 1 unexpected failure (generate: diagnostics or stale files), 2 bad usage,
3 Redis unreachable, 4 job, schedule or workflow not found, 5 purge, retry --all-dead or
promote --all not confirmed, 6 task module failed to load, 7 job (or workflow) in the
wrong state, 8 Redis refused the credentials, 9 invalid config file, 10 the transport lacks
what the command needs (transport.admin, .schedules, .workflows), 11 dashboard on an open
host without --auth.
A command the CLI suggests running next carries the --config, --redis, --prefix and --tls-*
options given, so that it acts on the same queues (a --redis password shows as ****).
${examples(
  'conveyor worker --tasks src/generated/registry.ts --concurrency 20',
  'conveyor status --watch',
  'conveyor inspect emails:mi9x0q2k3a --json',
  'conveyor inspect wf_mi9x0q2k3aXb7c9dE',
  'conveyor retry --all-dead --queue emails',
  'conveyor promote emails:mi9x0q2k3a',
  'conveyor schedules',
  'conveyor dashboard --port 5555',
  'conveyor status --redis rediss://redis.internal:6380 --tls-ca ca.pem --tls-cert client.pem --tls-key client.key',
)}`,
    );

  const run = dispatch(io, signal);

  addWorkerCommand(program, run('worker'));
  addEnqueueCommand(program, run('enqueue'));

  brokerCommand(
    program,
    'status',
    'show waiting, delayed, active and dead counts per queue, and live workers',
    {
      admin: true,
      notes: `
A partitioned queue (stored as partitions named <queue>~<p>of<n>, e.g. emails~3of8) is one
row with the totals of its partitions; --partitions lists each partition under it, and so
does --queues naming the queue. --queues emails~3of8 shows that partition alone. In --json,
such a queue's entry has the totals and a "partitions" array with each partition's counts.
`,
      examples: [
        'conveyor status',
        'conveyor status --queues emails --json',
        'conveyor status --partitions',
        'conveyor status -w 5',
      ],
    },
  )
    .option(
      '-q, --queues <list>',
      'only these queues (comma-separated or repeated); a partitioned queue with its partitions, a partition (emails~3of8) alone',
      parseQueueList('--queues'),
    )
    .option('-p, --partitions', "list each partition under its queue's totals")
    .option(
      '-w, --watch [seconds]',
      'redraw every few seconds until Ctrl-C (default 2; or with a unit: 30s, 5m)',
      parseDuration('--watch', 's', 1, 3_600),
    )
    .option('--json', 'print JSON (one document per line with --watch)')
    .action(run('status'));

  const inspect = brokerCommand(
    program,
    'inspect',
    'show a job (state, attempts, timestamps, input, progress, result or error) or a workflow (its stages and steps)',
    {
      notes:
        redactionHelp(
          "a job's input, progress and result, and a workflow's input and step results",
        ) + MARKS_HELP,
      examples: [
        'conveyor inspect emails:mi9x0q2k3a',
        'conveyor inspect wf_mi9x0q2k3aXb7c9dE',
        'conveyor inspect wf_mi9x0q2k3aXb7c9dE --all --json',
        'conveyor inspect emails:mi9x0q2k3a --redact customer.email --redact items.*.sku',
      ],
    },
  );
  addTasksForMarks(addRedactOptions(inspect, 'the input, progress, result and step results'))
    .argument(
      '<id>',
      'a job id, <queue>:<unique>, or a workflow id, wf_… (needs transport.workflows)',
      parseInspectId,
    )
    .option('--json', 'print the job record (or the workflow view) as JSON')
    .option(
      '--all',
      "a workflow's map steps list every child (default: the first 10 and the failed)",
    )
    .action(run('inspect'));

  brokerCommand(
    program,
    'retry',
    'move dead-letter jobs back to their queue with a fresh attempt budget',
    {
      admin: true,
      notes: `
--all-dead --queue on a partitioned queue retries the dead jobs of every partition;
--queue emails~3of8 only that partition's. A job id names its partition itself.
A workflow's step job is left to its workflow: \`conveyor workflows retry <wf id>\` runs
the failed steps again (a step job's id exits 2; --all-dead skips them and says so).
--all-dead asks first on a terminal, with the count (unless --yes, or there is nothing to
retry); when stdin is not a terminal it needs --yes, else it exits 5, saying the count, as
purge does.
--dry-run counts what it would retry (per partition) and skip, and changes nothing.
`,
      examples: [
        'conveyor retry emails:mi9x0q2k3a',
        'conveyor retry --all-dead --queue emails --dry-run',
        'conveyor retry --all-dead --queue emails',
        'conveyor retry --all-dead --queue emails --yes --json',
      ],
    },
  )
    .argument('[job-id]', 'a dead job to retry (its queue comes from the id)', parseJobId)
    .option('--all-dead', 'retry every dead job of --queue')
    // `promote --all` is promote's; the same word here does what it would be taken to.
    .addOption(new Option('--all', 'the same as --all-dead').implies({ allDead: true }).hideHelp())
    .option(
      '-q, --queue <queue>',
      'the queue, with --all-dead: a partitioned queue means all its partitions, emails~3of8 one',
      parseStoredQueue('--queue'),
    )
    .option(
      '-y, --yes',
      'with --all-dead: do not ask for confirmation (required when stdin is not a terminal)',
    )
    .option(
      '--dry-run',
      'with --all-dead: say how many dead jobs would be retried and how many workflow step jobs skipped; change nothing',
    )
    .option('--json', 'print the outcome as JSON')
    .action(run('retry'));

  addPromoteCommand(program, run);
  addJobsCommand(program, run);

  const dead = brokerCommand(program, 'dead', "list a queue's dead-letter jobs, oldest first", {
    admin: true,
    notes: `
A partitioned queue lists the dead jobs of all its partitions, one partition after the other
(each oldest first); name one partition (emails~3of8) to list only its own. --newest lists the
jobs that died last first, a partitioned queue's merged by when they died; --offset then counts
from the newest.
${redactionHelp("each job's input, progress and result in --json")}${MARKS_HELP}`,
    examples: [
      'conveyor dead emails',
      'conveyor dead emails --newest --limit 10',
      'conveyor dead emails --offset 50 --json',
      'conveyor dead emails~3of8',
    ],
  });
  addTasksForMarks(addRedactOptions(dead, 'the job inputs, progress and results'))
    .argument(
      '<queue>',
      'the queue, or one partition of a partitioned queue (emails~3of8)',
      parseStoredQueue('queue'),
    )
    .option('--limit <n>', 'jobs per page', parseInteger('--limit', 1, 10_000), 50)
    .option('--offset <n>', 'jobs to skip', parseInteger('--offset', 0), 0)
    .option('--newest', 'the jobs that died last first')
    .option('--json', 'print the page as JSON')
    .action(run('dead'));

  brokerCommand(
    program,
    'cancel',
    'cancel a job: a queued job never runs; a running one has its ctx.signal aborted',
    { examples: ['conveyor cancel emails:mi9x0q2k3a'] },
  )
    .argument('<job-id>', 'the job id, <queue>:<unique>', parseJobId)
    .option('--json', 'print the outcome as JSON')
    .action(run('cancel'));

  brokerCommand(
    program,
    'purge',
    'delete the waiting and delayed jobs of a queue (running jobs finish; dead ones stay unless --dead)',
    {
      admin: true,
      notes: `
A partitioned queue is purged in every partition; name one partition (emails~3of8) to purge
only that one. --json then adds a "partitions" array with what went from each.
`,
      examples: [
        'conveyor purge emails',
        'conveyor purge emails --dead --yes',
        'conveyor purge emails --dry-run',
        'conveyor purge emails~3of8 --yes',
      ],
    },
  )
    .argument(
      '<queue>',
      'the queue, or one partition of a partitioned queue (emails~3of8)',
      parseStoredQueue('queue'),
    )
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .option('--dead', "also delete the queue's dead-letter jobs")
    .option('--dry-run', 'say how many jobs it would delete, and delete none')
    .option('--json', 'print the outcome as JSON')
    .action(run('purge'));

  addQueueCommands(program, run);
  addScheduleCommands(program, run);
  addWorkflowCommands(program, run);

  brokerCommand(
    program,
    'dashboard',
    'serve the web dashboard: queues, jobs, dead letters, workers and throughput, with retry and cancel',
    {
      admin: true,
      notes: `
Security: without credentials the dashboard only serves a loopback host (127.0.0.1,
localhost, ::1), and says so; any other --host without --auth or CONVEYOR_DASHBOARD_AUTH exits
11. Every retry, cancel and purge checks the Origin header and a per-session CSRF token.
SIGTERM or Ctrl-C closes the server, the dashboard and the transport.
`,
      examples: [
        'conveyor dashboard',
        'CONVEYOR_DASHBOARD_AUTH=ops:s3cret conveyor dashboard --host 0.0.0.0 --port 8080',
        'conveyor dashboard --read-only --redis redis://10.0.0.5:6379 --prefix shop',
        'conveyor dashboard --port 0 --json   # any free port; prints {"url": …}',
      ],
    },
  )
    .option(
      '--host <host>',
      'interface to listen on; other than loopback needs --auth',
      '127.0.0.1',
    )
    .option(
      '--port <port>',
      'port to listen on (0: any free one)',
      parseInteger('--port', 0, 65_535),
      5555,
    )
    .option(
      '--auth <user:password>',
      'basic-auth credentials every request must carry (default: CONVEYOR_DASHBOARD_AUTH, which is better: a flag shows in ps)',
    )
    .option('--read-only', 'serve no retries, cancels or purges (405); the pages show no buttons')
    .option(
      '--redact <paths>',
      'input paths that never leave the server, comma-separated (or repeat --redact): card.number,items.*.sku,**.cvv (beside the defaults: password, secret, token, apiKey, authorization, cookie, cvv and their usual spellings, at any depth)',
      parseRedactPaths,
    )
    .option('--json', 'print {"url", "auth", "readOnly"} on one line once serving, for scripts')
    .action(run('dashboard'));

  program
    .command('generate')
    .description(
      'generate the typed producer client and the worker registry from the task files (@conveyor/codegen)',
    )
    .option('--check', 'write nothing; list stale generated files and exit 1 (for CI)')
    .option('--watch', 'regenerate on every change until Ctrl-C')
    .option('--json', 'print one JSON document (one per line per run with --watch)')
    .addHelpText(
      'after',
      `
Reads the config file (--config, else conveyor.config.ts in the cwd) without running it: a
TypeScript config's values are literals, and its transport function is left alone.
Exit codes: 0 written or up to date; 1 diagnostics in the task files, or stale files
(--check); 2 bad usage or no config file (none in the cwd, or --config names none); 9 a
config that fails to load or holds invalid values. Errors are one line on stderr
(error: …), with --json too; --json prints the result document on stdout.
${examples('conveyor generate', 'conveyor generate --check', 'conveyor generate --config apps/shop/conveyor.config.ts --watch')}`,
    )
    .action(run('generate'));

  return program;
}
