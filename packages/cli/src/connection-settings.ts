import { usageError } from './errors.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_PREFIX = 'conveyor';

/** Where the CLI connects: `--redis`, else `REDIS_URL`, else the local default. */
export interface ConnectionSettings {
  url: string;
  prefix: string;
  /** Which of `--redis`, `REDIS_URL` or the default gave the URL (for messages). */
  source: '--redis' | 'REDIS_URL' | 'default';
}

export function connectionSettings(
  options: { redis?: string; prefix?: string },
  env: NodeJS.ProcessEnv,
): ConnectionSettings {
  const source = options.redis ? '--redis' : env.REDIS_URL ? 'REDIS_URL' : 'default';
  const url = options.redis || env.REDIS_URL || DEFAULT_REDIS_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(
      source,
      maskPassword(url),
      'a URL like redis://[user:password@]host:6379[/db]',
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw usageError(source, maskPassword(url), 'a redis:// or rediss:// URL');
  }
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (!/^[^{}\s]{1,64}$/.test(prefix)) {
    throw usageError('--prefix', prefix, '1–64 characters without spaces or braces');
  }
  return { url, prefix, source };
}

/** The URL with its password replaced by `****`, for banners and errors. */
export function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '****';
    return parsed.toString();
  } catch {
    // Not a URL: hide anything between "://user:" and "@".
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1****@');
  }
}
