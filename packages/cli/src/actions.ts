import { type Logger, silentLogger, type WorkflowStatus } from '@conveyor/core';
import { baseQueueOf, queueOfJobId } from '@conveyor/core/transport';
import type { Command } from 'commander';
import type { DashboardCommandOptions } from './commands/dashboard.js';
import type { EnqueueCommandOptions } from './commands/enqueue.js';
import type { ListJobsCommandOptions } from './commands/list-jobs.js';
import type { PromoteArgs } from './commands/promote.js';
import type { ScheduleAction } from './commands/schedules.js';
import type { WorkerCommandOptions } from './commands/worker.js';
import type { WorkflowAction } from './commands/workflows.js';
import type { AdminConnection, Connection } from './connection.js';
import { CliError } from './errors.js';
import { followUpOf, followUp as followUpWith } from './follow-up.js';
import type { Io } from './output.js';
import type { RedactionOptions } from './redaction.js';
import { terminalText } from './terminal-text.js';
import { transportSource } from './transport-source.js';
import { namesWorkflow } from './workflow-commands.js';

export type CommandName =
  | 'worker'
  | 'enqueue'
  | 'status'
  | 'inspect'
  | 'retry'
  | 'promote'
  | 'dead'
  | 'jobs'
  | 'cancel'
  | 'purge'
  | 'pause'
  | 'resume'
  | 'dashboard'
  | 'generate'
  | 'schedules'
  | 'schedules run-now'
  | 'schedules pause'
  | 'schedules resume'
  | 'schedules remove'
  | 'workflows cancel'
  | 'workflows retry'
  | 'workflows list';

type Options = Record<string, unknown> & { json?: boolean };

/**
 * Opens the command's transport (see `transportSource`), runs `body`, then closes it. A
 * one-shot command fails fast when Redis goes away; a `server` (the dashboard) reconnects.
 */
async function withConnection(
  command: Command,
  io: Io,
  body: (connection: Connection) => Promise<void>,
  mode: 'command' | 'server' = 'command',
): Promise<void> {
  const source = await transportSource(command, io);
  // Loaded on use: `--help` and bad usage never pay for ioredis and the transport.
  const { open, lostConnection } = await import('./connection.js');
  // The transport's warnings (an entry in Redis it skipped, and how to remove it) are notes
  // on stderr, so that stdout (and --json) stays what the command prints.
  const logger: Logger = {
    ...silentLogger,
    warn: (first: string | Record<string, unknown>, message?: string) =>
      io.stderr(`warning: ${terminalText(typeof first === 'string' ? first : (message ?? ''))}`),
  };
  const connection = await open(source, mode, { onSlow: (message) => io.stderr(message), logger });
  try {
    await body(connection);
  } catch (error) {
    throw lostConnection(connection, error) ?? error;
  } finally {
    await connection.close();
  }
}

/** {@link withConnection} for a command that needs `transport.admin` (`CAPABILITY_MISSING` without). */
function withAdmin(
  command: Command,
  io: Io,
  body: (connection: AdminConnection) => Promise<void>,
  mode: 'command' | 'server' = 'command',
): Promise<void> {
  return withConnection(
    command,
    io,
    async (connection) => {
      const { requireAdmin } = await import('./connection.js');
      return body(requireAdmin(connection, command.name()));
    },
    mode,
  );
}

/** Builds the commander action for each command. */
export function dispatch(io: Io, signal: AbortSignal) {
  return (name: CommandName) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args[args.length - 1] as Command;
      const options = args[args.length - 2] as Options;
      const first = args[0] as string | undefined;
      // The commands a message suggests next carry the options that chose the transport.
      const followUp = followUpOf(command);
      // `--redact`, `--show-secrets`: checked before connecting (a bad path exits 2).
      const redacting = async (definitions: readonly unknown[] = []) =>
        (await import('./redaction.js')).redactionOf(options as RedactionOptions, definitions);
      // A command that prints job data read from the broker also redacts what the task
      // schemas mark, when it can find the tasks (schema-marks.ts); `prints` false: it
      // prints none this time (a listing without --json).
      const redactingRead = async (prints = true) => {
        if (options.showSecrets || !prints) return redacting();
        const { markedDefinitions } = await import('./schema-marks.js');
        const { config } = command.optsWithGlobals<{ config?: string }>();
        const tasks = typeof options.tasks === 'string' ? options.tasks : undefined;
        return redacting(await markedDefinitions(tasks, config, io));
      };
      switch (name) {
        case 'worker': {
          const { runWorker } = await import('./commands/worker.js');
          const { config } = command.optsWithGlobals<{ config?: string }>();
          return runWorker(
            await transportSource(command, io),
            { ...(options as unknown as WorkerCommandOptions), config },
            io,
            signal,
          );
        }
        case 'enqueue': {
          const { enqueueJob, targetAndInput } = await import('./commands/enqueue.js');
          const given = options as unknown as EnqueueCommandOptions;
          const { config } = command.optsWithGlobals<{ config?: string }>();
          // Refused before any connection is made: an unknown task, bad input.
          const where = { followUp, tasks: given.tasks, config, cwd: io.cwd };
          const { contract, input } = await targetAndInput(
            first,
            args[1] as string | undefined,
            given,
            where,
          );
          const redaction = await redacting([contract.contract]);
          // A --wait reconnects, as a server does: it rode out no Redis restart at all.
          const mode = given.wait === undefined ? 'command' : 'server';
          const run = { ...given, followUp, signal, redaction };
          return withConnection(command, io, (c) => enqueueJob(c, contract, input, run, io), mode);
        }
        case 'status': {
          const { showStatus } = await import('./commands/status.js');
          const watch = options.watch === true ? 2 : (options.watch as number | undefined);
          return withAdmin(command, io, (connection) =>
            showStatus(
              connection,
              {
                json: options.json,
                queues: options.queues as string[] | undefined,
                partitions: options.partitions === true,
                followUp,
                watch,
                signal,
                config: command.optsWithGlobals<{ config?: string }>().config,
              },
              io,
            ),
          );
        }
        case 'inspect': {
          const redaction = await redactingRead();
          if (namesWorkflow(first as string)) {
            const { inspectWorkflow } = await import('./commands/workflows.js');
            return withConnection(command, io, (c) =>
              inspectWorkflow(c, first as string, { ...options, redaction }, io),
            );
          }
          const { inspectJob } = await import('./commands/inspect.js');
          return withConnection(command, io, (c) =>
            inspectJob(c, first as string, { json: options.json, followUp, redaction }, io),
          );
        }
        case 'retry': {
          const { retryJob } = await import('./commands/jobs.js');
          const { retryAllDead } = await import('./commands/retry-dead.js');
          if (options.allDead) {
            if (first !== undefined) {
              throw new CliError(
                'USAGE',
                'Give either a job id or --all-dead --queue <queue>, not both.',
              );
            }
            const queue = options.queue as string | undefined;
            if (!queue) {
              throw new CliError(
                'USAGE',
                '--all-dead needs --queue <queue>: which queue to retry.',
              );
            }
            const { json, yes, dryRun } = options as Options & { yes?: boolean; dryRun?: boolean };
            return withAdmin(command, io, (c) =>
              retryAllDead(c, queue, { json, yes, dryRun, followUp }, io),
            );
          }
          if (options.dryRun) {
            throw new CliError(
              'USAGE',
              first === undefined
                ? '--dry-run goes with --all-dead --queue <queue>.'
                : `--dry-run goes with --all-dead --queue <queue>, not a job id: \`${followUp.command`inspect ${first}`}\` shows the job${followUp.note}.`,
            );
          }
          if (first === undefined) {
            throw new CliError(
              'USAGE',
              `Missing job id: give \`${followUp.command`retry <job-id>`}\` or \`${followUp.command`retry --all-dead --queue <queue>`}\`${followUp.note}.`,
            );
          }
          // The id names its queue: a --queue beside it that names another was ignored. A
          // queue's name stands for its partitions, so it names a partition's job too.
          const named = options.queue as string | undefined;
          const own = queueOfJobId(first) as string;
          if (named !== undefined && named !== own && named !== baseQueueOf(own)) {
            throw new CliError(
              'USAGE',
              `--queue ${JSON.stringify(named)} is not the queue of job ${JSON.stringify(first)}, which is ${JSON.stringify(own)}: a job id names its queue. Leave --queue out, or use --all-dead --queue ${named} for every dead job of that queue.`,
            );
          }
          return withAdmin(command, io, (c) =>
            retryJob(c, first, { json: options.json, followUp }, io),
          );
        }
        case 'promote': {
          const { promotePlan, promoteJobs } = await import('./commands/promote.js');
          // Refused before connecting: ids beside --all, --dry-run beside ids, no ids.
          const plan = promotePlan(
            args[0] as string[] | undefined,
            options as PromoteArgs,
            followUp,
          );
          const { json } = options;
          if (plan.kind === 'ids') {
            return withAdmin(command, io, (c) => promoteJobs(c, plan.ids, { json, followUp }, io));
          }
          const { promoteAll } = await import('./commands/promote-all.js');
          const { yes, dryRun } = plan;
          return withAdmin(command, io, (c) =>
            promoteAll(c, plan.queue, { json, yes, dryRun, followUp }, io),
          );
        }
        case 'jobs': {
          const { listJobs } = await import('./commands/list-jobs.js');
          const redaction = await redactingRead(options.json === true);
          return withAdmin(command, io, (c) =>
            listJobs(
              c,
              first as string,
              {
                state: options.state as ListJobsCommandOptions['state'],
                ...(typeof options.task === 'string' ? { task: options.task } : {}),
                limit: options.limit as number,
                ...(typeof options.cursor === 'string' ? { cursor: options.cursor } : {}),
                json: options.json,
                followUp,
                redaction,
              },
              io,
            ),
          );
        }
        case 'dead': {
          const { listDeadJobs } = await import('./commands/dead.js');
          const redaction = await redactingRead(options.json === true);
          return withAdmin(command, io, (c) =>
            listDeadJobs(
              c,
              first as string,
              {
                json: options.json,
                limit: options.limit as number,
                offset: options.offset as number,
                newest: options.newest === true,
                followUp,
                redaction,
              },
              io,
            ),
          );
        }
        case 'cancel': {
          const { cancelJob } = await import('./commands/jobs.js');
          return withConnection(command, io, (c) =>
            cancelJob(c, first as string, { json: options.json, followUp }, io),
          );
        }
        case 'dashboard': {
          const { planDashboard, runDashboard } = await import('./commands/dashboard.js');
          // Refused before connecting: no auth on an open host, or malformed credentials.
          const plan = planDashboard(options as unknown as DashboardCommandOptions, io.env);
          return withAdmin(command, io, (c) => runDashboard(c, plan, io, signal), 'server');
        }
        case 'generate': {
          // ts-morph is heavy: loaded only for this command.
          const { runGenerate } = await import('./commands/generate.js');
          const { config } = command.optsWithGlobals<{ config?: string }>();
          return runGenerate(
            {
              config,
              check: options.check === true,
              watch: options.watch === true,
              json: options.json === true,
              signal,
              // Its suggestions name the config only: generate reaches no transport.
              followUp: followUpWith(config === undefined ? {} : { config }),
            },
            io,
          );
        }
        case 'schedules': {
          const { listSchedules } = await import('./commands/schedules.js');
          const redaction = await redactingRead(options.json === true);
          const queues = options.queues as string[] | undefined;
          return withConnection(command, io, (c) =>
            listSchedules(c, { json: options.json, queues, redaction, followUp }, io),
          );
        }
        case 'schedules run-now':
        case 'schedules pause':
        case 'schedules resume':
        case 'schedules remove': {
          const { actOnSchedule } = await import('./commands/schedules.js');
          const action = name.slice('schedules '.length) as ScheduleAction;
          // `schedules` has a --json of its own, which takes the flag wherever it is.
          const json = command.optsWithGlobals<{ json?: boolean }>().json;
          return withConnection(command, io, (c) =>
            actOnSchedule(
              c,
              action,
              first as string,
              { json, queue: options.queue as string | undefined, followUp },
              io,
            ),
          );
        }
        case 'workflows list': {
          const { json } = options;
          const limit = options.limit as number;
          const status = (options.status ?? 'running') as WorkflowStatus;
          if (status !== 'running') {
            const { listEndedWorkflowsCommand } = await import('./commands/ended-workflows.js');
            return withConnection(command, io, (c) =>
              listEndedWorkflowsCommand(c, { status, json, limit, followUp }, io),
            );
          }
          const { listWorkflows } = await import('./commands/workflows.js');
          return withConnection(command, io, (c) => listWorkflows(c, { json, limit }, io));
        }
        case 'workflows cancel':
        case 'workflows retry': {
          const { actOnWorkflow } = await import('./commands/workflows.js');
          const action = name.slice('workflows '.length) as WorkflowAction;
          return withConnection(command, io, (c) =>
            actOnWorkflow(c, action, first as string, { json: options.json }, io),
          );
        }
        case 'pause':
        case 'resume': {
          const { pauseOrResume } = await import('./commands/pause.js');
          return withAdmin(command, io, (c) =>
            pauseOrResume(
              c,
              name,
              first as string,
              {
                json: options.json,
                partitions: options.partitions as number | undefined,
                new: options.new === true,
                followUp,
              },
              io,
            ),
          );
        }
        case 'purge': {
          const { purgeQueue } = await import('./commands/purge.js');
          return withAdmin(command, io, (c) =>
            purgeQueue(
              c,
              first as string,
              {
                json: options.json,
                yes: options.yes === true,
                dead: options.dead === true,
                dryRun: options.dryRun === true,
                followUp,
              },
              io,
            ),
          );
        }
      }
    };
}
