import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { maskRedisUrl } from '@conveyor/redis';
import { CliError, usageError } from './errors.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_PREFIX = 'conveyor';

/** Where the CLI connects: `--redis`, else `REDIS_URL`, else the local default. */
export interface ConnectionSettings {
  url: string;
  prefix: string;
  /** Which of `--redis`, `REDIS_URL` or the default gave the URL (for messages). */
  source: '--redis' | 'REDIS_URL' | 'default';
  /** Certificates for a `rediss://` URL, read from the `--tls-*` files; ioredis' `tls` option. */
  tls?: TlsSettings;
}

/** ioredis' (Node's) TLS options the CLI can set. */
export interface TlsSettings {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
}

/** The TLS options, each from its flag or else its environment variable. */
export const TLS_OPTIONS = {
  ca: { flag: '--tls-ca', env: 'CONVEYOR_TLS_CA', what: 'CA certificate (PEM)' },
  cert: { flag: '--tls-cert', env: 'CONVEYOR_TLS_CERT', what: 'client certificate (PEM)' },
  key: { flag: '--tls-key', env: 'CONVEYOR_TLS_KEY', what: 'client private key (PEM)' },
  servername: { flag: '--tls-servername', env: 'CONVEYOR_TLS_SERVERNAME', what: '' },
} as const;

export type TlsOptionName = keyof typeof TLS_OPTIONS;

export interface ConnectionOptions {
  redis?: string;
  prefix?: string;
  /** Given on the command line; the environment fills the rest. */
  tls?: Partial<Record<TlsOptionName, string>>;
}

export function connectionSettings(
  options: ConnectionOptions,
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
): ConnectionSettings {
  // An empty --redis (an unset variable, `--redis "$URL"`) is a mistake, not "use the
  // default": a command would run on another Redis than the one meant.
  if (options.redis === '') {
    throw usageError('--redis', '', 'a URL like redis://[user:password@]host:6379[/db]');
  }
  const source = options.redis ? '--redis' : env.REDIS_URL ? 'REDIS_URL' : 'default';
  const url = options.redis || env.REDIS_URL || DEFAULT_REDIS_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(
      source,
      maskRedisUrl(url),
      'a URL like redis://[user:password@]host:6379[/db]',
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw usageError(source, maskRedisUrl(url), 'a redis:// or rediss:// URL');
  }
  // ioredis sends any path as SELECT's argument and, when Redis refuses it, goes on in
  // database 0: a command would read (or purge) another database than the one named.
  if (!/^\/?\d*$/.test(parsed.pathname)) {
    throw usageError(
      source,
      maskRedisUrl(url),
      'a database number after the host, as in redis://host:6379/0, or none (database 0)',
    );
  }
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (!/^[^{}\s]{1,64}$/.test(prefix)) {
    throw usageError('--prefix', prefix, '1–64 characters without spaces or braces');
  }
  const tls = tlsSettings(options.tls ?? {}, env, cwd);
  if (tls && parsed.protocol !== 'rediss:') {
    const given = Object.keys(tls).map((name) => TLS_OPTIONS[name as TlsOptionName].flag);
    throw new CliError(
      'USAGE',
      `${given.join(', ')} need${given.length === 1 ? 's' : ''} a TLS connection, but ${source === 'default' ? 'the default URL' : `the URL given by ${source}`} is ${maskRedisUrl(url)}: use a rediss:// URL, or drop the TLS options.`,
    );
  }
  return tls ? { url, prefix, source, tls } : { url, prefix, source };
}

/** Reads the `--tls-*` files (flag, else environment); undefined when none is given. */
function tlsSettings(
  given: Partial<Record<TlsOptionName, string>>,
  env: NodeJS.ProcessEnv,
  cwd: string,
): TlsSettings | undefined {
  const value = (name: TlsOptionName) => {
    const { flag, env: variable } = TLS_OPTIONS[name];
    // `--tls-ca "$CA"` with CA unset: TLS would go on without the file it was meant to use.
    if (given[name] === '') {
      throw new CliError(
        'USAGE',
        `${flag} is empty: give ${name === 'servername' ? 'the name to verify' : 'a file path'} (an unset shell variable?), or leave ${flag} out.`,
      );
    }
    if (given[name]) return { text: given[name], from: flag };
    const fromEnv = env[variable];
    return fromEnv ? { text: fromEnv, from: variable } : undefined;
  };
  const [ca, cert, key, servername] = (['ca', 'cert', 'key', 'servername'] as const).map(value);
  if (!ca && !cert && !key && !servername) return undefined;
  if (Boolean(cert) !== Boolean(key)) {
    const [has, lacks] = cert ? ['--tls-cert', '--tls-key'] : ['--tls-key', '--tls-cert'];
    throw new CliError(
      'USAGE',
      `${has} needs ${lacks} too: a client certificate is used with its private key. Give both (or CONVEYOR_TLS_CERT and CONVEYOR_TLS_KEY).`,
    );
  }
  const tls: TlsSettings = {};
  if (ca) tls.ca = readPem('ca', ca.text, ca.from, cwd);
  if (cert) tls.cert = readPem('cert', cert.text, cert.from, cwd);
  if (key) tls.key = readPem('key', key.text, key.from, cwd);
  if (servername) tls.servername = servername.text;
  return tls;
}

/** Reads one PEM file and checks that it holds what the option wants, naming both if not. */
function readPem(name: 'ca' | 'cert' | 'key', file: string, from: string, cwd: string): Buffer {
  const { what } = TLS_OPTIONS[name];
  const where = path.resolve(cwd, file);
  let content: Buffer;
  try {
    content = readFileSync(where);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new CliError(
      'USAGE',
      `Cannot read the ${what} file ${JSON.stringify(file)} given by ${from} (${reason}): give the path of a file this user can read.`,
      { cause: error },
    );
  }
  try {
    if (name === 'key') createPrivateKey(content);
    else new X509Certificate(content);
  } catch (error) {
    const hint =
      name === 'key' ? ' (an encrypted key must be decrypted first: openssl pkey -in key.pem)' : '';
    throw new CliError(
      'USAGE',
      `The file ${JSON.stringify(file)} given by ${from} is not a ${what}${hint}: ${(error as Error).message}.`,
      { cause: error },
    );
  }
  return content;
}
