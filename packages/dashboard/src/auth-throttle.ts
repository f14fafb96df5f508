import { DashboardError, quote } from './errors.js';
import { checkKnownKeys, invalidOption, type OptionKeys } from './option-checks.js';

/** Limits on wrong basic-auth credentials from one client address. */
export interface AuthThrottleOptions {
  /** Wrong credentials from one address within `windowMs` before it is refused (default 10). */
  maxFailures?: number;
  /** The window, in ms, counted from an address's first failure (default 60,000). */
  windowMs?: number;
}

/** 429 `TOO_MANY_REQUESTS`: an address sent too many wrong credentials; `Retry-After` says when to try again. */
export class TooManyAttemptsError extends DashboardError {
  readonly retryAfterSeconds: number;

  constructor(failures: number, windowMs: number, retryAfterSeconds: number) {
    super(
      'TOO_MANY_REQUESTS',
      `Too many wrong user names or passwords from this address (${failures} within ${windowMs / 1000} s); try again in ${retryAfterSeconds} s.`,
    );
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Addresses tracked at once; past it the oldest window is dropped. */
const MAX_ADDRESSES = 10_000;

interface Window {
  startedAt: number;
  failures: number;
}

/** Counts wrong credentials per client address, and refuses an address that had too many. */
export interface AuthThrottle {
  /** Throws 429 `TOO_MANY_REQUESTS` (with its wait) while `address` is refused. */
  check(address: string | undefined): void;
  /** Counts wrong credentials from `address`. */
  failed(address: string | undefined): void;
  /** Right credentials from `address`: its count starts over. */
  succeeded(address: string | undefined): void;
}

/**
 * A fixed window per address: after `maxFailures` wrong credentials within `windowMs` of the
 * first, every basic-auth request from that address (right credentials too, or a guesser
 * would learn the password from which answer differs) is 429 until the window ends. Right
 * credentials cost nothing while an address is under the limit. `now` is the clock.
 *
 * The dashboard's own guard, exported so that a route of the application's behind the same
 * credentials (a password checked outside the dashboard) is no side door for guessing it.
 *
 * @example
 * const throttle = createAuthThrottle(); // 10 wrong tries a minute per address
 * throttle.check(request.ip); // throws TooManyAttemptsError (429) while refused
 * if (!rightPassword) throttle.failed(request.ip); else throttle.succeeded(request.ip);
 */
export function createAuthThrottle(
  options: AuthThrottleOptions = {},
  now: () => number = Date.now,
): AuthThrottle {
  // Checked here too: routes beside the dashboard call it with options of their own.
  const checked = resolveAuthThrottle(options) as AuthThrottleOptions;
  const maxFailures = checked.maxFailures ?? 10;
  const windowMs = checked.windowMs ?? 60_000;
  const windows = new Map<string, Window>();

  function current(address: string): Window | undefined {
    const window = windows.get(address);
    if (window && now() - window.startedAt >= windowMs) {
      windows.delete(address);
      return undefined;
    }
    return window;
  }

  return {
    check(address) {
      if (address === undefined) return;
      const window = current(address);
      if (window === undefined || window.failures < maxFailures) return;
      const waitMs = window.startedAt + windowMs - now();
      throw new TooManyAttemptsError(
        window.failures,
        windowMs,
        Math.max(1, Math.ceil(waitMs / 1000)),
      );
    },
    failed(address) {
      if (address === undefined) return;
      const window = current(address);
      if (window) {
        window.failures++;
        return;
      }
      if (windows.size >= MAX_ADDRESSES) {
        const oldest = windows.keys().next().value;
        if (oldest !== undefined) windows.delete(oldest);
      }
      windows.set(address, { startedAt: now(), failures: 1 });
    },
    succeeded(address) {
      if (address !== undefined) windows.delete(address);
    },
  };
}

const AUTH_THROTTLE_KEYS = {
  maxFailures: true,
  windowMs: true,
} as const satisfies OptionKeys<AuthThrottleOptions>;

/** Checks `authThrottle` as `createDashboard` takes it. */
export function resolveAuthThrottle(
  value: AuthThrottleOptions | false | undefined,
): AuthThrottleOptions | false {
  if (value === false) return false;
  if (
    value !== undefined &&
    (value === null || typeof value !== 'object' || Array.isArray(value))
  ) {
    throw invalidOption(
      'authThrottle',
      value,
      '{ maxFailures?, windowMs? } (default { maxFailures: 10, windowMs: 60_000 }), or false for no limit',
    );
  }
  const options = value ?? {};
  checkKnownKeys(options, AUTH_THROTTLE_KEYS, 'authThrottle option');
  for (const [name, min] of [
    ['maxFailures', 1],
    ['windowMs', 1000],
  ] as const) {
    const given = options[name];
    if (given !== undefined && (!Number.isInteger(given) || given < min)) {
      throw new DashboardError(
        'INVALID_OPTION',
        `Invalid authThrottle.${name} ${quote(given)}: expected an integer of at least ${min}, or authThrottle: false.`,
      );
    }
  }
  return options;
}
