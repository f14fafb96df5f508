import type { Command } from 'commander';
import {
  type ConnectionSettings,
  connectionSettings,
  type TlsOptionName,
} from './connection-settings.js';
import type { Io } from './output.js';
import { type ConfiguredTransport, configuredTransport } from './transport-config.js';

/**
 * Where a command's transport comes from:
 * - `redis`: the Redis shorthand, `--redis`/`--prefix`/`--tls-*` (or `REDIS_URL` and
 *   `CONVEYOR_TLS_*`, or the default URL);
 * - `config`: the `transport` function of the config file.
 */
export type TransportSource =
  | { kind: 'redis'; settings: ConnectionSettings }
  | { kind: 'config'; config: ConfiguredTransport };

/** The connection options as commander names them; `--tls-*` with the name each sets. */
const SHORTHAND_OPTIONS = ['redis', 'prefix', 'tlsCa', 'tlsCert', 'tlsKey', 'tlsServername'];
const TLS_OPTION_KEYS = [
  ['ca', 'tlsCa'],
  ['cert', 'tlsCert'],
  ['key', 'tlsKey'],
  ['servername', 'tlsServername'],
] as const;

/**
 * The transport a command uses, first that applies:
 * 1. a connection option given on the command line (`--redis`, `--prefix`, `--tls-*`): Redis;
 * 2. the config file's `transport` (`--config`, else `conveyor.config.*` in the cwd);
 * 3. Redis at `REDIS_URL`, else the default URL.
 *
 * The environment comes after the config: a config's transport usually reads `REDIS_URL`
 * itself, with settings (a prefix) the shorthand would lose.
 */
export async function transportSource(command: Command, io: Io): Promise<TransportSource> {
  const given = SHORTHAND_OPTIONS.some(
    (name) => command.getOptionValueSourceWithGlobals(name) === 'cli',
  );
  if (!given) {
    const { config } = command.optsWithGlobals<{ config?: string }>();
    const configured = await configuredTransport(config, io.cwd);
    if (configured) return { kind: 'config', config: configured };
  }
  return { kind: 'redis', settings: redisSettings(command, io) };
}

/**
 * Where `--redis`, `--prefix` and the `--tls-*` options point, wherever on the command line
 * they were given. Values commander took from the environment are read again from `io.env`.
 */
export function redisSettings(command: Command, io: Io): ConnectionSettings {
  const options = command.optsWithGlobals<Record<string, string | undefined>>();
  const fromCli = (name: string) =>
    command.getOptionValueSourceWithGlobals(name) === 'cli' ? options[name] : undefined;
  const tls: Partial<Record<TlsOptionName, string>> = {};
  for (const [name, option] of TLS_OPTION_KEYS) {
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
