import { DashboardError } from '../errors.js';
import type { BrokerState } from '../events/hub.js';

/**
 * How long a read waits for the broker once the dashboard knows it is unreachable. A
 * transport may wait through a short outage for its connection to come back (the Redis
 * transport for about 10 s), which is right for a worker and wrong for a page that already
 * says the broker is down.
 */
export const BROKER_DOWN_WAIT_MS = 1_000;

/**
 * `read`'s answer; while the broker is known to be down (`down`), a 503 `BROKER_UNAVAILABLE`
 * instead when the answer takes longer than `waitMs`. The read goes on in the background and
 * its outcome is dropped. Only for reads: an action's outcome must be waited for, whatever
 * the broker's state.
 */
export function readWhileBrokerDown<T>(
  read: Promise<T>,
  down: Extract<BrokerState, { ok: false }> | undefined,
  waitMs = BROKER_DOWN_WAIT_MS,
): Promise<T> {
  if (!down) return read;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const gaveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      read.catch(() => {});
      reject(
        new DashboardError(
          'BROKER_UNAVAILABLE',
          `The broker cannot be reached (since ${new Date(down.since).toISOString()}: ${down.message}); try again once it is back. The page says when it is.`,
        ),
      );
    }, waitMs);
  });
  return Promise.race([read, gaveUp]).finally(() => clearTimeout(timer));
}
