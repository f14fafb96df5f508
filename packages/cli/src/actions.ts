import type { Command } from 'commander';
import type { WorkerCommandOptions } from './commands/worker.js';
import type { Connection, ConnectionSettings } from './connection.js';
import { connectionSettings, type TlsOptionName } from './connection-settings.js';
import { CliError, ExitCode } from './errors.js';
import type { Io } from './output.js';

export type CommandName =
  | 'worker'
  | 'status'
  | 'inspect'
  | 'retry'
  | 'dead'
  | 'cancel'
  | 'purge'
  | 'generate';

type Options = Record<string, unknown> & { json?: boolean };

/**
 * Where `--redis`, `--prefix` and the `--tls-*` options point, wherever on the command line
 * they were given. Values commander took from the environment are read again from `io.env`.
 */
function settingsOf(command: Command, io: Io): ConnectionSettings {
  const options = command.optsWithGlobals<Record<string, string | undefined>>();
  const fromCli = (name: string) =>
    command.getOptionValueSourceWithGlobals(name) === 'cli' ? options[name] : undefined;
  const tls: Partial<Record<TlsOptionName, string>> = {};
  for (const [name, option] of [
    ['ca', 'tlsCa'],
    ['cert', 'tlsCert'],
    ['key', 'tlsKey'],
    ['servername', 'tlsServername'],
  ] as const) {
    const value = fromCli(option);
    if (value !== undefined) tls[name] = value;
  }
  const redis = fromCli('redis');
  return connectionSettings(
    {
      ...(redis !== undefined ? { redis } : {}),
      ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
      tls,
    },
    io.env,
    io.cwd,
  );
}

async function withConnection(
  command: Command,
  io: Io,
  body: (connection: Connection) => Promise<void>,
): Promise<void> {
  // Loaded on use: `--help` and bad usage never pay for ioredis and the transport.
  const { connect } = await import('./connection.js');
  const connection = await connect(settingsOf(command, io), 'command');
  try {
    await body(connection);
  } finally {
    await connection.close();
  }
}

/** Builds the commander action for each command. */
export function dispatch(io: Io, signal: AbortSignal) {
  return (name: CommandName) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args[args.length - 1] as Command;
      const options = args[args.length - 2] as Options;
      const first = args[0] as string | undefined;
      switch (name) {
        case 'worker': {
          const { runWorker } = await import('./commands/worker.js');
          return runWorker(settingsOf(command, io), options as unknown as WorkerCommandOptions, io);
        }
        case 'status': {
          const { showStatus } = await import('./commands/status.js');
          const watch = options.watch === true ? 2 : (options.watch as number | undefined);
          return withConnection(command, io, (connection) =>
            showStatus(
              connection,
              {
                json: options.json,
                queues: options.queues as string[] | undefined,
                watch,
                signal,
              },
              io,
            ),
          );
        }
        case 'inspect': {
          const { inspectJob } = await import('./commands/inspect.js');
          return withConnection(command, io, (c) => inspectJob(c, first as string, options, io));
        }
        case 'retry': {
          const { retryAllDead, retryJob } = await import('./commands/jobs.js');
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
            return withConnection(command, io, (c) => retryAllDead(c, queue, options, io));
          }
          if (first === undefined) {
            throw new CliError(
              'USAGE',
              'Missing job id: give `conveyor retry <job-id>` or `conveyor retry --all-dead --queue <queue>`.',
            );
          }
          return withConnection(command, io, (c) => retryJob(c, first, options, io));
        }
        case 'dead': {
          const { listDeadJobs } = await import('./commands/dead.js');
          return withConnection(command, io, (c) =>
            listDeadJobs(
              c,
              first as string,
              {
                json: options.json,
                limit: options.limit as number,
                offset: options.offset as number,
              },
              io,
            ),
          );
        }
        case 'cancel': {
          const { cancelJob } = await import('./commands/jobs.js');
          return withConnection(command, io, (c) => cancelJob(c, first as string, options, io));
        }
        case 'generate': {
          // ts-morph is heavy: loaded only for this command.
          const { runGenerateCommand } = await import('@conveyor/codegen');
          const code = await runGenerateCommand(
            {
              config: options.config as string | undefined,
              cwd: io.cwd,
              check: options.check === true,
              watch: options.watch === true,
              json: options.json === true,
              signal,
            },
            io,
          );
          if (code !== 0) throw new ExitCode(code);
          return;
        }
        case 'purge': {
          const { purgeQueue } = await import('./commands/purge.js');
          return withConnection(command, io, (c) =>
            purgeQueue(
              c,
              first as string,
              { json: options.json, yes: options.yes === true, dead: options.dead === true },
              io,
            ),
          );
        }
      }
    };
}
