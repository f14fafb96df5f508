import path from 'node:path';
import type { Logger, Transport } from '@conveyor/core';
import { CliError } from './errors.js';
import { importModule } from './import-module.js';

/** The `transport` function of a config file, not called yet. */
export interface ConfiguredTransport {
  /** Absolute path of the config file. */
  file: string;
  /** The config file as messages name it: relative to the working directory. */
  label: string;
  /**
   * Calls the config's `transport` with the command's logger, awaits it and checks that it
   * gave a transport.
   */
  make(logger: Logger): Promise<Transport>;
}

/** What every transport has (the required members of `Transport`); checked on the config's. */
const REQUIRED_MEMBERS = [
  'enqueue',
  'reserve',
  'renew',
  'settle',
  'getJob',
  'waitFor',
  'cancel',
  'onCancel',
  'close',
] as const;

const EXAMPLE = 'transport: ({ logger }) => redisTransport({ url: process.env.REDIS_URL, logger })';

/**
 * The config file's `transport`, found and read by codegen's config loader: `--config`, else
 * `conveyor.config.{ts,mts,js,mjs,json}` in the working directory. Undefined when there is no
 * config file, or it declares no transport (then `onTransportless` hears the config's label).
 * A `--config` that does not exist is `USAGE`;
 * a config that fails to load, or whose `transport` is not a function, is `CONFIG_INVALID`.
 */
export async function configuredTransport(
  config: string | undefined,
  cwd: string,
  onTransportless?: (label: string) => void,
): Promise<ConfiguredTransport | undefined> {
  // The light entry: finding and importing a config never loads the TypeScript compiler.
  const { assertConfigKeys, findConfigFile, importConfig } = await import(
    '@conveyor/codegen/config'
  );
  let file: string | undefined;
  try {
    file = findConfigFile({ config, cwd });
  } catch (error) {
    throw new CliError('USAGE', (error as Error).message, { cause: error });
  }
  if (!file) return undefined;
  const label = path.relative(cwd, file) || file;
  // Always run, though a codegen-only config may import more than a command needs: a check
  // of its text for "transport" took a config that spreads its settings from another
  // module, or fails to load, or misspells the key, for one without a transport, and the
  // command then acted on REDIS_URL's Redis, or localhost's.
  let raw: unknown;
  try {
    raw = await importConfig(file, { importModule });
  } catch (error) {
    throw new CliError('CONFIG_INVALID', (error as Error).message, { cause: error });
  }
  if (typeof raw !== 'object' || raw === null) {
    const what =
      raw === undefined ? 'has no default export' : `exports ${describe(raw)}, not an object`;
    throw new CliError(
      'CONFIG_INVALID',
      `${label} ${what}: write \`export default defineConfig({ …, ${EXAMPLE} })\`.`,
    );
  }
  try {
    assertConfigKeys(raw as Record<string, unknown>, label);
  } catch (error) {
    throw new CliError('CONFIG_INVALID', (error as Error).message, { cause: error });
  }
  const factory = (raw as { transport?: unknown }).transport;
  if (factory === undefined) {
    onTransportless?.(label);
    return undefined;
  }
  if (typeof factory !== 'function') {
    throw new CliError(
      'CONFIG_INVALID',
      `Invalid transport ${describe(factory)} in ${label}: expected a function that returns a transport, e.g. ${EXAMPLE}.`,
    );
  }
  const make = (logger: Logger) => callFactory(factory as Factory, label, logger);
  return { file, label, make };
}

type Factory = (context: { logger: Logger }) => unknown;

async function callFactory(factory: Factory, label: string, logger: Logger): Promise<Transport> {
  let made: unknown;
  try {
    made = await factory({ logger });
  } catch (error) {
    // Without its closing period: the sentence goes on.
    const reason = (error instanceof Error ? error.message.split('\n')[0] : String(error))?.replace(
      /\.+$/,
      '',
    );
    throw new CliError(
      'CONFIG_INVALID',
      `The transport function in ${label} threw: ${reason}. Fix it, or pass --redis <url> to bypass it.`,
      { cause: error },
    );
  }
  const transport = made as Record<string, unknown> | null;
  const missing =
    typeof transport !== 'object' || transport === null
      ? ['name', ...REQUIRED_MEMBERS]
      : [
          ...(typeof transport.name === 'string' ? [] : ['name']),
          ...REQUIRED_MEMBERS.filter((member) => typeof transport[member] !== 'function'),
        ];
  if (missing.length > 0) {
    await closeQuietly(made);
    throw new CliError(
      'CONFIG_INVALID',
      `The transport function in ${label} returned ${describe(made)}, which is not a transport (no ${missing.join(', ')}): return one, e.g. ${EXAMPLE}.`,
    );
  }
  return made as Transport;
}

/** Closes what a factory made if it can be closed; it is thrown away. */
async function closeQuietly(value: unknown): Promise<void> {
  const close = (value as { close?: unknown } | null)?.close;
  if (typeof close === 'function') await Promise.resolve(close.call(value)).catch(() => {});
}

/** A value as an error message quotes it, short. */
function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (value === undefined) return 'undefined';
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    return keys.length === 0 ? '{}' : `an object with ${keys.slice(0, 5).join(', ')}`;
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
