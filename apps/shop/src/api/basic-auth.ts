import { createHash, timingSafeEqual } from 'node:crypto';
import type { BasicAuthCredentials } from '@conveyor/dashboard';

/** The challenge a 401 carries, so that a browser or curl asks for the `/admin` user. */
export const ADMIN_CHALLENGE = 'Basic realm="Conveyor shop admin", charset="UTF-8"';

/**
 * Whether an `Authorization` header carries `credentials` (HTTP basic auth). Compared as
 * SHA-256 digests in constant time, so that neither the length nor a prefix leaks.
 */
export function hasCredentials(
  header: string | undefined,
  credentials: BasicAuthCredentials,
): boolean {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1], 'base64').toString('utf8');
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(`${credentials.username}:${credentials.password}`));
}

/** Wrong credentials from one address within a minute before it is refused, as /admin's. */
const MAX_FAILURES = 10;
const WINDOW_MS = 60_000;
/** Addresses tracked at once; past it the oldest is dropped. */
const MAX_ADDRESSES = 10_000;

/**
 * Counts wrong credentials per client address, so that a route beside the dashboard is no
 * side door for guessing its password: the dashboard refuses an address after 10 wrong
 * tries a minute, and so does this.
 */
export function createFailureThrottle(now: () => number = Date.now) {
  const windows = new Map<string, { startedAt: number; failures: number }>();
  const current = (address: string) => {
    const window = windows.get(address);
    if (window && now() - window.startedAt >= WINDOW_MS) windows.delete(address);
    return windows.get(address);
  };
  return {
    /** Seconds to wait while `address` is refused, else undefined. */
    refusedFor(address: string): number | undefined {
      const window = current(address);
      if (!window || window.failures < MAX_FAILURES) return undefined;
      return Math.max(1, Math.ceil((window.startedAt + WINDOW_MS - now()) / 1000));
    },
    failed(address: string): void {
      const window = current(address);
      if (window) window.failures += 1;
      else {
        if (windows.size >= MAX_ADDRESSES) windows.delete(windows.keys().next().value as string);
        windows.set(address, { startedAt: now(), failures: 1 });
      }
    },
    succeeded(address: string): void {
      windows.delete(address);
    },
  };
}
