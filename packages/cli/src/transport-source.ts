import { maskRedisUrl } from '@conveyor/redis';
import type { Command } from 'commander';
import {
  type ConnectionSettings,
  connectionSettings,
  type TlsOptionName,
} from './connection-settings.js';
import type { Io } from './output.js';
import { terminalText } from './terminal-text.js';
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

/** The connection options as commander names them, with their flags. */
const SHORTHAND_OPTIONS = {
  redis: '--redis',
  prefix: '--prefix',
  tlsCa: '--tls-ca',
  tlsCert: '--tls-cert',
  tlsKey: '--tls-key',
  tlsServername: '--tls-servername',
} as const;
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
 * itself, with settings (a prefix) the shorthand would lose. When `--prefix` or a `--tls-*`
 * option (without `--redis`) sets a config's transport aside, a warning on stderr says which
 * Redis is used instead.
 */
export async function transportSource(command: Command, io: Io): Promise<TransportSource> {
  const given = Object.entries(SHORTHAND_OPTIONS)
    .filter(([name]) => command.getOptionValueSourceWithGlobals(name) === 'cli')
    .map(([, flag]) => flag);
  const { config } = command.optsWithGlobals<{ config?: string }>();
  let transportless: string | undefined;
  if (given.length === 0) {
    const configured = await configuredTransport(config, io.cwd, (label) => {
      transportless = label;
    });
    if (configured) return { kind: 'config', config: configured };
  }
  const settings = redisSettings(command, io);
  // Documented, but silent: a config without a transport acted on the default Redis.
  if (transportless) io.stderr(terminalText(transportlessNote(transportless, settings)));
  // `--prefix shop` alone reads as "the config's server, another prefix", but it is rule 1:
  // the server of REDIS_URL or the default. Said, since that may be another server.
  if (given.length > 0 && !given.includes('--redis')) {
    const bypassed = await bypassedConfig(config, io.cwd);
    if (bypassed) io.stderr(terminalText(bypassWarning(bypassed, given, settings)));
  }
  return { kind: 'redis', settings };
}

/**
 * The config file whose `transport` the Redis options bypass, or undefined. The config is
 * imported, not called. One that cannot be read gives no warning: the options bypass it,
 * and the command never needed it.
 */
async function bypassedConfig(
  config: string | undefined,
  cwd: string,
): Promise<string | undefined> {
  try {
    return (await configuredTransport(config, cwd))?.label;
  } catch {
    return undefined;
  }
}

/**
 * The line saying which Redis the options chose instead of the config's transport:
 * `warning: --prefix makes the CLI ignore the transport of conveyor.config.ts: it uses Redis
 * at redis://:****@10.0.0.5:6379 (from REDIS_URL), prefix shop. Pass --redis <url> to choose
 * the server.`
 */
export function bypassWarning(
  config: string,
  flags: readonly string[],
  settings: Pick<ConnectionSettings, 'url' | 'prefix' | 'source'>,
): string {
  const from = fromWhere(settings);
  return `warning: ${flags.join(', ')} make${flags.length === 1 ? 's' : ''} the CLI ignore the transport of ${config}: it uses Redis at ${maskRedisUrl(settings.url)} (from ${from}), prefix ${settings.prefix}. Pass --redis <url> to choose the server.`;
}

/**
 * The line saying which Redis a command uses for a config that declares no transport:
 * `note: conveyor.config.ts declares no transport: the CLI uses Redis at
 * redis://127.0.0.1:6379 (from the default, as REDIS_URL is not set), prefix conveyor. …`
 */
export function transportlessNote(
  config: string,
  settings: Pick<ConnectionSettings, 'url' | 'prefix' | 'source'>,
): string {
  return `note: ${config} declares no transport: the CLI uses Redis at ${maskRedisUrl(settings.url)} (from ${fromWhere(settings)}), prefix ${settings.prefix}. Give the config a transport, or pass --redis <url> to choose the server.`;
}

function fromWhere(settings: Pick<ConnectionSettings, 'source'>): string {
  return settings.source === 'default' ? 'the default, as REDIS_URL is not set' : settings.source;
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
